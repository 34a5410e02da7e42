/**
 * One text cell of a CSV file this tool writes for people (reports, exposure curves). RFC 4180
 * quoting, and formula neutralization: a spreadsheet runs a cell that starts with = + - @ (or a tab
 * or carriage return) as a formula, so an account id like `=HYPERLINK(...)` from an exchange export
 * would execute when a risk engineer opens the file. Such text gets a leading apostrophe (OWASP's
 * advice), and so does text that starts with an apostrophe (so that the one added is never
 * ambiguous); numbers are written as numbers by the callers and never pass through here.
 */
export function csvText(text: string): string {
  // Text that already starts with an apostrophe gets one more, so that a reader that drops the
  // neutralizing apostrophe (adl validate) reads it back as written: `'=x` is written `''=x`, `=x` as `'=x`.
  const safe = /^[=+\-@\t\r']/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

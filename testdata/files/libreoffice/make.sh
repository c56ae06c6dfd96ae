#!/bin/sh
# Regenerates the LibreOffice-written .xlsx fixtures from the sources beside
# this script. Needs LibreOffice (apt-get install libreoffice-calc-nogui); the
# tests only read the committed .xlsx files.
#
#   contacts.fods      hand-written flat ODS: typed cells (dates, times,
#                      phones as numbers, "00000" zip, booleans, percent,
#                      formulas with cached values, merged and duplicate
#                      headers, quoted newline, empty row) on two sheets.
#   contacts_cp1251.csv, contacts_utf16.csv
#                      the first sheet of contacts.fods exported as CSV.
#   ru_semicolon.csv   UTF-8 CSV with ';' and decimal commas, imported with
#                      the ru-RU locale (1049) so LibreOffice types the dates
#                      and numbers itself.
#   legacy.xls         a two-row CSV saved as Excel 97-2003 (BIFF8), for the
#                      error that names the fix.
set -eu
cd "$(dirname "$0")"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
soffice --headless -env:UserInstallation=file://$out/profile \
	--convert-to xlsx:"Calc MS Excel 2007 XML" --outdir "$out" contacts.fods
# CSV filter options: separator ';' (59), quote '"' (34), UTF-8 (76),
# start row 1, column formats (default), language ru-RU (1049).
soffice --headless -env:UserInstallation=file://$out/profile \
	--infilter="CSV:59,34,76,1,,1049" \
	--convert-to xlsx:"Calc MS Excel 2007 XML" --outdir "$out" ru_semicolon.csv
cp "$out/contacts.xlsx" "$out/ru_semicolon.xlsx" .
# The first sheet of contacts.fods saved as CSV the way Calc users do:
# ';' and Windows-1251 (charset 34), and tab-separated "Unicode" (65535,
# UTF-16LE with BOM).
soffice --headless -env:UserInstallation=file://$out/profile \
	--convert-to 'csv:Text - txt - csv (StarCalc):59,34,34,1' --outdir "$out" contacts.fods
cp "$out/contacts.csv" contacts_cp1251.csv
soffice --headless -env:UserInstallation=file://$out/profile \
	--convert-to 'csv:Text - txt - csv (StarCalc):9,34,65535,1' --outdir "$out" contacts.fods
cp "$out/contacts.csv" contacts_utf16.csv
printf 'Name,Phone\nAda,123\n' > "$out/legacy.csv"
soffice --headless -env:UserInstallation=file://$out/profile \
	--convert-to xls:"MS Excel 97" --outdir "$out" "$out/legacy.csv"
cp "$out/legacy.xls" legacy.xls

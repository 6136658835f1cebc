"""The audit under each table: published | printed to | recomputed | difference | status | kind | note.

Status is live arithmetic: "matches" when the recomputed value is within half the
printed unit of the published one, "differs" otherwise, "invalid input" when an input
makes the recomputation fail. Kind says why, in the article's disfavour only where it
is the article's fault:

- matches: the article's number follows from its inputs;
- rounding: it follows from rounded intermediate figures;
- other source: the article quotes a figure measured or published elsewhere;
- arithmetic error: its own arithmetic is wrong;
- method error: the arithmetic may be right, the method is not (the status may say matches).

The kind is the template's judgement, shown while the status is the one the template
expects; when an edit changes the status the kind reads "unexplained".
"""

from .book import INVALID, Audit, Formula
from .template import per_item

KINDS = ("matches", "rounding", "arithmetic error", "method error", "other source")
ARTICLE_ERRORS = ("arithmetic error", "method error")
UNEXPLAINED = "unexplained"
HEADERS = ("Check", "Published", "Printed to ±", "Recomputed", "Difference", "Status", "Kind", "Note")
NOTE_WIDTH = 6  # the note column holds a marker; the notes print in full under the audit


def status_value(recomputed, published, precision):
    """The status formula's value, in Python."""
    if not isinstance(recomputed, (int, float)) or isinstance(recomputed, bool):
        return INVALID
    return "matches" if abs(recomputed - published) <= precision / 2 else "differs"


def kind_value(status, expect, kind):
    """The kind formula's value, in Python."""
    if status == INVALID:
        return INVALID
    return kind if status == expect else UNEXPLAINED


class AuditLayout:
    """The audit block of a table (mixed into ``layout.Compiler``)."""

    def _audit_block(self, sheet, table, items, refs, r, where):
        rows = []
        for spec in table["field"]:
            if "published" not in spec:
                continue
            published = per_item(spec["published"], items, where)
            precision = per_item(spec["precision"], items, where)
            expect = per_item(spec.get("expect", "matches"), items, where)
            kind = per_item(spec.get("kind", ""), items, where)
            note = per_item(spec.get("note", ""), items, where)
            for i, item in enumerate(items):
                if published[i] == "" or refs[spec["key"]][i] is None:
                    continue
                label = spec["label"] + (f" — {item['label']}" if item["key"] else "")
                rows.append((label, refs[spec["key"]][i], published[i], precision[i], expect[i] or "matches",
                             kind[i] or "matches", note[i], spec.get("format")))
        if not rows:
            return r
        sheet.put(r, 1, f"Audit {table.get('id', '')}: published vs recomputed", "subheading")
        r += 1
        for col, title in enumerate(HEADERS, start=1):
            sheet.put(r, col, title, "header", width={1: None, 7: 16, 8: NOTE_WIDTH}.get(col, 12))
        r += 1
        first = r
        notes = []
        for label, ref, published, precision, expect, kind, note, fmt in rows:
            marker = f"({len(notes) + 1})" if note else ""
            self._audit_row(sheet, table, r, label, ref, float(published), float(precision), expect, kind, marker, fmt)
            if note:
                notes.append(f"{marker} {label}: {note}")
                self.book.audits[-1].note = note
            r += 1
        sheet.keep.append((first - 2, r - 1))  # the audit's title, header and checks on one page
        sheet.statuses.append(f"F{first}:F{r - 1}")
        sheet.kinds.append(f"G{first}:G{r - 1}")
        return self._lines(sheet, notes, r, "note", last_col=8)

    def _audit_row(self, sheet, table, r, label, ref, published, precision, expect, kind, note, fmt):
        sheet.put(r, 1, label, "label")
        sheet.put(r, 2, published, "published", fmt)
        sheet.put(r, 3, precision, "published", fmt)
        sheet.put(r, 4, Formula(f'=IF(ISERROR({ref.name}),"{INVALID}",{ref.name})'), "computed", fmt,
                  compute=lambda get, ref=ref: _number_or_invalid(get(ref.sheet, ref.row, ref.col)))
        sheet.put(r, 5, Formula(f'=IF(ISNUMBER(D{r}),D{r}-B{r},"–")'), "computed", fmt,
                  compute=lambda get, r=r: _difference(get(sheet.name, r, 4), published))
        sheet.put(r, 6, Formula(f'=IF(ISNUMBER(D{r}),IF(ABS(E{r})<=C{r}/2,"matches","differs"),"{INVALID}")'),
                  "status", compute=lambda get, r=r: status_value(get(sheet.name, r, 4), published, precision))
        sheet.put(r, 7, Formula(f'=IF(F{r}="{INVALID}","{INVALID}",IF(F{r}="{expect}","{kind}","{UNEXPLAINED}"))'),
                  "kind", compute=lambda get, r=r: kind_value(get(sheet.name, r, 6), expect, kind))
        if note:
            sheet.put(r, 8, note, "note")
        self.book.audits.append(Audit(sheet.name, table.get("id", ""), label, r, ref, published, precision,
                                      expect, note, kind))


def _number_or_invalid(value):
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else INVALID


def _difference(recomputed, published):
    return recomputed - published if isinstance(recomputed, (int, float)) else "–"

// The `cryptolake status --html` page: one self-contained HTML document (inline CSS, an inline
// SVG chart, no script, no external URL) rendering a LakeInventory.
//
// Per dataset a <section class="dataset" data-dataset="<name>" data-first=.. data-last=..
// data-days=N> holds the summary numbers and a coverage calendar: one row per month, one
// element per day of the dataset's range carrying data-date="YYYY-MM-DD" and
// data-state="complete|gap|rest_filled|missing" (placed in its day-of-month column). A legend,
// the datasets' summary table, the last runs' rows/s as bars, and the scan's problems follow.
// Every string from the lake is HTML-escaped.
//
// Thread-safety: pure functions.
#ifndef CRYPTOLAKE_TOOLS_CRYPTOLAKE_STATUS_HTML_H_
#define CRYPTOLAKE_TOOLS_CRYPTOLAKE_STATUS_HTML_H_

#include <string>
#include <string_view>

#include "cryptolake/lake/lake_inventory.h"

namespace cryptolake::cli {

// `text` with &, <, >, " and ' replaced by character references.
std::string HtmlEscape(std::string_view text);

std::string RenderStatusHtml(const lake::LakeInventory& inventory);

}  // namespace cryptolake::cli

#endif  // CRYPTOLAKE_TOOLS_CRYPTOLAKE_STATUS_HTML_H_

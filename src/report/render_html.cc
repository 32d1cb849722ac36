#include "report/detail/text.h"
#include "report/report.h"

namespace bulkhead::report {
std::string render_html(const json::Value& document) { return detail::str(document, "verdict") + "\n"; }
}  // namespace bulkhead::report

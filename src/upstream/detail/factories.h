// Internal constructors behind Upstream::create (config already validated).
#pragma once

#include <memory>

#include "upstream/upstream.h"

namespace bulkhead::upstream::detail {

[[nodiscard]] std::unique_ptr<Upstream> make_stdio_upstream(asio::any_io_executor executor, UpstreamConfig config,
                                                             const core::Clock& clock);
[[nodiscard]] std::unique_ptr<Upstream> make_http_upstream(asio::any_io_executor executor, UpstreamConfig config,
                                                           http::Client& client, const core::Clock& clock);

}  // namespace bulkhead::upstream::detail

// bulkhead-load: a keep-alive MCP load client for the benchmarks.
// C connections, one request in flight per connection (fixed concurrency). Each connection first runs the
// session handshake (initialize → captures Mcp-Session-Id → notifications/initialized), then repeats tools/call of
// one tool, and ends its session with DELETE when done. Accepts JSON and SSE responses (Content-Length, chunked or
// close-delimited). Prints one JSON object:
// requests, errors, seconds, rps and latency percentiles in µs (every sample kept and sorted: exact percentiles).
// --sessions K instead opens K sessions, prints a JSON line once they are open, and holds them.
// Single-threaded (one io_context); pin it with taskset.
#include <signal.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio.hpp>

#include "common/http1.h"

namespace bulkhead::bench {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string url;
  std::string host;
  std::string port;
  std::string path;
  int connections = 1;
  std::uint64_t requests = 10000;
  double duration_seconds = 0;  // > 0: run for this long after warmup instead of a request count
  std::uint64_t warmup = 1000;
  std::string tool = "echo";
  std::string message = "hello from bulkhead-load";
  std::string protocol = "2025-11-25";
  std::uint64_t sessions = 0;  // > 0: sessions mode
  double hold_seconds = 30;
  int timeout_ms = 10000;
  std::string label;
  std::string extra_headers;  // "Name: value\r\n" lines from --header, sent with every request
  bool busy_poll = false;  // spin on the event loop instead of sleeping in epoll (removes client wake-up latency)
};

bool parse_url(Options& options) {
  std::string_view url = options.url;
  if (url.substr(0, 7) != "http://") return false;
  url.remove_prefix(7);
  const std::size_t slash = url.find('/');
  const std::string_view authority = url.substr(0, slash);
  options.path = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
  const std::size_t colon = authority.rfind(':');
  if (colon == std::string_view::npos) {
    options.host = std::string(authority);
    options.port = "80";
  } else {
    options.host = std::string(authority.substr(0, colon));
    options.port = std::string(authority.substr(colon + 1));
  }
  return !options.host.empty();
}

// State shared by all connections (one thread: no locking).
struct Run {
  explicit Run(Options o) : options(std::move(o)) {}
  Options options;
  std::uint64_t next_seq = 0;  // tools/call requests claimed so far (warmup + measured)
  bool started = false;        // first measured request issued
  Clock::time_point t0;
  Clock::time_point t_end;
  Clock::time_point deadline;
  std::uint64_t completed = 0;  // measured responses (ok or not)
  std::uint64_t errors = 0;     // measured requests that failed
  std::uint64_t warmup_errors = 0;
  std::uint64_t handshake_errors = 0;
  std::uint64_t reconnects = 0;
  std::vector<std::uint64_t> samples_ns;
  int live_connections = 0;
  bool stop = false;
  // Sessions mode.
  std::uint64_t sessions_claimed = 0;
  std::uint64_t sessions_opened = 0;
  std::uint64_t sessions_failed = 0;
  Clock::time_point sessions_t0;
  std::string first_error;

  void note_error(std::string_view what) {
    if (first_error.empty()) first_error = std::string(what);
  }
};

class Connection {
 public:
  Connection(asio::io_context& io, Run& run, tcp::endpoint endpoint)
      : io_(io), run_(run), endpoint_(std::move(endpoint)), socket_(io), retry_(io) {}

  void start() {
    ++run_.live_connections;
    connect();
  }

  // Closes the socket of a request in flight for longer than the timeout (its handler then sees an error).
  void check_timeout(Clock::time_point now) {
    if (in_flight_ && now - sent_at_ > std::chrono::milliseconds(run_.options.timeout_ms)) {
      timed_out_ = true;
      boost::system::error_code ignored;
      socket_.close(ignored);
    }
  }

  void close() {
    boost::system::error_code ignored;
    socket_.close(ignored);
    retry_.cancel();
  }

 private:
  enum class Kind : std::uint8_t { initialize, initialized, call, close };
  enum class Phase : std::uint8_t { need_initialize, need_initialized, ready, idle, done };

  void connect() {
    boost::system::error_code ignored;
    socket_.close(ignored);
    socket_ = tcp::socket(io_);
    in_.clear();
    socket_.async_connect(endpoint_, [this](boost::system::error_code ec) {
      if (ec) {
        if (++connect_failures_ > 50) {
          run_.note_error("connect failed: " + ec.message());
          finish();
          return;
        }
        retry_.expires_after(std::chrono::milliseconds(20));
        retry_.async_wait([this](boost::system::error_code wait_ec) {
          if (!wait_ec) connect();
        });
        return;
      }
      connect_failures_ = 0;
      boost::system::error_code opt_ec;
      socket_.set_option(tcp::no_delay(true), opt_ec);
      next();
    });
  }

  void finish() {
    if (phase_ == Phase::done) return;
    phase_ = Phase::done;
    --run_.live_connections;
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

  bool stateless() const { return run_.options.protocol >= "2026-07-28"; }

  void next() {
    if (run_.stop) {
      finish();
      return;
    }
    const Options& o = run_.options;
    if (phase_ == Phase::need_initialize) {
      if (stateless()) {
        phase_ = Phase::ready;
      } else {
        if (o.sessions > 0) {
          if (run_.sessions_claimed >= o.sessions) {
            phase_ = Phase::idle;  // hold the connection (and its sessions) open
            return;
          }
          ++run_.sessions_claimed;
        }
        session_id_.clear();
        body_.clear();
        body_.append(R"({"jsonrpc":"2.0","id":)").append(std::to_string(++next_id_));
        body_.append(R"(,"method":"initialize","params":{"protocolVersion":")").append(o.protocol);
        body_.append(R"(","capabilities":{},"clientInfo":{"name":"bulkhead-load","version":"1.0.0"}}})");
        send(Kind::initialize);
        return;
      }
    }
    if (phase_ == Phase::need_initialized) {
      body_.assign(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
      send(Kind::initialized);
      return;
    }
    if (phase_ != Phase::ready) return;
    // Claim the next tools/call.
    const Clock::time_point now = Clock::now();
    if (o.duration_seconds > 0) {
      if (run_.started && now >= run_.deadline) {
        end_session();
        return;
      }
    } else if (run_.next_seq >= o.warmup + o.requests) {
      end_session();
      return;
    }
    seq_ = run_.next_seq++;
    if (seq_ == o.warmup) {
      run_.started = true;
      run_.t0 = now;
      run_.deadline = now + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.duration_seconds));
    }
    body_.clear();
    body_.append(R"({"jsonrpc":"2.0","id":)").append(std::to_string(++next_id_));
    body_.append(R"(,"method":"tools/call","params":{"name":)");
    append_json_string(o.tool, body_);
    body_.append(R"(,"arguments":{"message":)");
    append_json_string(o.message, body_);
    body_.append("}}}");
    send(Kind::call);
  }

  // A client that is done ends its session (DELETE), as MCP clients should: a server (or gateway) left holding the
  // sessions of every earlier run would get slower from run to run and bias whichever variant runs later.
  void end_session() {
    if (session_id_.empty() || stateless()) {
      finish();
      return;
    }
    body_.clear();
    send(Kind::close);
  }

  void send(Kind kind) {
    const Options& o = run_.options;
    kind_ = kind;
    out_.clear();
    out_.append(kind == Kind::close ? "DELETE " : "POST ").append(o.path).append(" HTTP/1.1\r\nHost: ").append(o.host).append(":").append(o.port);
    out_.append("\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n");
    if (kind != Kind::initialize) out_.append("MCP-Protocol-Version: ").append(o.protocol).append("\r\n");
    if (!session_id_.empty()) out_.append("Mcp-Session-Id: ").append(session_id_).append("\r\n");
    out_.append(o.extra_headers);
    if (kind == Kind::call && stateless()) {
      out_.append("Mcp-Method: tools/call\r\nMcp-Name: ").append(o.tool).append("\r\n");
    }
    out_.append("Content-Length: ").append(std::to_string(body_.size())).append("\r\n\r\n").append(body_);
    in_flight_ = true;
    timed_out_ = false;
    sent_at_ = Clock::now();
    asio::async_write(socket_, asio::buffer(out_), [this](boost::system::error_code ec, std::size_t) {
      if (ec) {
        io_error("write: " + ec.message());
        return;
      }
      read();
    });
  }

  void read() {
    socket_.async_read_some(asio::buffer(read_buffer_), [this](boost::system::error_code ec, std::size_t n) {
      if (ec) {
        if (ec == asio::error::eof && close_delimited_) {
          complete(std::string_view(in_).substr(head_.head_bytes), in_.size(), true);
          return;
        }
        io_error(timed_out_ ? std::string("timeout") : "read: " + ec.message());
        return;
      }
      in_.append(read_buffer_.data(), n);
      try_parse();
    });
  }

  void try_parse() {
    const ParseState state = parse_head(in_, /*is_request=*/false, head_);
    if (state == ParseState::incomplete) {
      read();
      return;
    }
    if (state == ParseState::error) {
      io_error("malformed response head");
      return;
    }
    const std::string_view rest = std::string_view(in_).substr(head_.head_bytes);
    close_delimited_ = false;
    if (head_.status == 204 || head_.status == 304 || (head_.status >= 100 && head_.status < 200)) {
      if (head_.status < 200) {  // interim response: drop it and wait for the final one
        in_.erase(0, head_.head_bytes);
        try_parse();
        return;
      }
      complete({}, head_.head_bytes, head_.connection_close);
    } else if (head_.chunked) {
      decoded_.clear();
      std::size_t used = 0;
      const ParseState body_state = decode_chunked(rest, decoded_, used);
      if (body_state == ParseState::incomplete) {
        read();
      } else if (body_state == ParseState::error) {
        io_error("malformed chunked body");
      } else {
        complete(decoded_, head_.head_bytes + used, head_.connection_close);
      }
    } else if (head_.has_content_length) {
      if (rest.size() < head_.content_length) {
        read();
      } else {
        complete(rest.substr(0, head_.content_length), head_.head_bytes + head_.content_length,
                 head_.connection_close);
      }
    } else {
      close_delimited_ = true;  // body ends when the server closes
      read();
    }
  }

  // One whole response: `body` views into in_ or decoded_; `consumed` bytes of in_ belong to it.
  void complete(std::string_view body, std::size_t consumed, bool close) {
    const Clock::time_point now = Clock::now();
    in_flight_ = false;
    const int status = head_.status;
    const Options& o = run_.options;
    switch (kind_) {
      case Kind::initialize: {
        const bool ok = status == 200 && body.find("\"result\"") != std::string_view::npos;
        if (!ok) {
          run_.note_error("initialize failed: HTTP " + std::to_string(status) + " " + std::string(body.substr(0, 300)));
          ++run_.handshake_errors;
          if (o.sessions > 0) ++run_.sessions_failed;
          if (o.sessions > 0) {
            maybe_sessions_done();
            phase_ = Phase::need_initialize;
            break;
          }
          finish();
          return;
        }
        session_id_ = std::string(head_.session_id);
        phase_ = Phase::need_initialized;
        break;
      }
      case Kind::initialized: {
        if (status != 202 && status != 200) {
          run_.note_error("notifications/initialized: HTTP " + std::to_string(status));
          ++run_.handshake_errors;
        }
        if (o.sessions > 0) {
          ++run_.sessions_opened;
          maybe_sessions_done();
          phase_ = Phase::need_initialize;
        } else {
          phase_ = Phase::ready;
        }
        break;
      }
      case Kind::close:
        session_id_.clear();
        finish();
        return;
      case Kind::call: {
        const bool ok = status == 200 && body.find("\"result\"") != std::string_view::npos &&
                        body.find(o.message) != std::string_view::npos &&
                        body.find("\"isError\":true") == std::string_view::npos;
        if (!ok) run_.note_error("tools/call: HTTP " + std::to_string(status) + " " + std::string(body.substr(0, 300)));
        record(ok, now);
        break;
      }
    }
    in_.erase(0, std::min(consumed, in_.size()));
    if (close) {
      ++run_.reconnects;
      connect();
    } else {
      next();
    }
  }

  void record(bool ok, Clock::time_point now) {
    if (seq_ < run_.options.warmup) {
      if (!ok) ++run_.warmup_errors;
      return;
    }
    ++run_.completed;
    run_.t_end = now;
    if (ok) {
      run_.samples_ns.push_back(static_cast<std::uint64_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(now - sent_at_).count()));
    } else {
      ++run_.errors;
    }
  }

  void maybe_sessions_done();

  void io_error(const std::string& what) {
    const bool was_in_flight = in_flight_;
    in_flight_ = false;
    if (phase_ == Phase::done) return;
    if (run_.stop) {
      finish();
      return;
    }
    if (kind_ == Kind::close) {  // the session could not be ended: nothing measured is lost
      finish();
      return;
    }
    run_.note_error(what);
    if (was_in_flight) {
      if (kind_ == Kind::call) {
        record(false, Clock::now());
      } else {
        ++run_.handshake_errors;
        if (run_.options.sessions > 0 && kind_ == Kind::initialize) {
          ++run_.sessions_failed;
          maybe_sessions_done();
        }
        if (kind_ == Kind::initialize && run_.options.sessions == 0) {
          finish();
          return;
        }
        if (kind_ == Kind::initialized) phase_ = run_.options.sessions > 0 ? Phase::need_initialize : Phase::ready;
      }
    }
    if (++io_failures_ > 100) {
      finish();
      return;
    }
    ++run_.reconnects;
    connect();
  }

  asio::io_context& io_;
  Run& run_;
  tcp::endpoint endpoint_;
  tcp::socket socket_;
  asio::steady_timer retry_;
  Phase phase_ = Phase::need_initialize;
  Kind kind_ = Kind::initialize;
  std::string session_id_;
  std::uint64_t next_id_ = 0;
  std::uint64_t seq_ = 0;
  bool in_flight_ = false;
  bool timed_out_ = false;
  bool close_delimited_ = false;
  int connect_failures_ = 0;
  int io_failures_ = 0;
  Clock::time_point sent_at_;
  std::string body_;
  std::string out_;
  std::string in_;
  std::string decoded_;
  MessageHead head_;
  std::array<char, 16 * 1024> read_buffer_{};
};

std::string json_escape(std::string_view text) {
  std::string out;
  append_json_string(text, out);
  return out;
}

double percentile_us(const std::vector<std::uint64_t>& sorted, double q) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  const std::size_t index = std::min(sorted.size() - 1, rank == 0 ? 0 : rank - 1);
  return static_cast<double>(sorted[index]) / 1000.0;
}

std::function<void()> g_sessions_done;

void Connection::maybe_sessions_done() {
  if (run_.sessions_opened + run_.sessions_failed == run_.options.sessions && g_sessions_done) g_sessions_done();
}

void print_calls(const Run& run) {
  std::vector<std::uint64_t> samples = run.samples_ns;
  std::sort(samples.begin(), samples.end());
  const double seconds = run.started ? std::chrono::duration<double>(run.t_end - run.t0).count() : 0.0;
  double sum = 0;
  for (const auto s : samples) sum += static_cast<double>(s);
  const double mean_us = samples.empty() ? 0 : sum / static_cast<double>(samples.size()) / 1000.0;
  const Options& o = run.options;
  std::printf(
      "{\"label\":%s,\"url\":%s,\"tool\":%s,\"connections\":%d,\"warmup\":%llu,\"requests\":%llu,\"errors\":%llu,"
      "\"warmup_errors\":%llu,\"handshake_errors\":%llu,\"reconnects\":%llu,\"seconds\":%.3f,\"rps\":%.1f,"
      "\"mean_us\":%.1f,\"p50_us\":%.1f,\"p90_us\":%.1f,\"p99_us\":%.1f,\"p999_us\":%.1f,\"max_us\":%.1f,"
      "\"first_error\":%s}\n",
      json_escape(o.label).c_str(), json_escape(o.url).c_str(), json_escape(o.tool).c_str(), o.connections,
      static_cast<unsigned long long>(o.warmup), static_cast<unsigned long long>(run.completed),
      static_cast<unsigned long long>(run.errors), static_cast<unsigned long long>(run.warmup_errors),
      static_cast<unsigned long long>(run.handshake_errors), static_cast<unsigned long long>(run.reconnects), seconds,
      seconds > 0 ? static_cast<double>(run.completed) / seconds : 0.0, mean_us, percentile_us(samples, 0.50),
      percentile_us(samples, 0.90), percentile_us(samples, 0.99), percentile_us(samples, 0.999),
      samples.empty() ? 0.0 : static_cast<double>(samples.back()) / 1000.0, json_escape(run.first_error).c_str());
  std::fflush(stdout);
}

int usage() {
  std::fprintf(stderr,
               "usage: bulkhead-load --url http://127.0.0.1:PORT/mcp [--connections C] [--requests N | --duration S]\n"
               "         [--warmup W] [--tool NAME] [--message TEXT] [--protocol VERSION] [--timeout-ms MS]\n"
               "         [--label TEXT] [--header 'Name: value']... [--busy-poll]\n"
               "       bulkhead-load --url URL --sessions K [--connections C] [--hold-seconds S]\n");
  return 2;
}

std::optional<Options> parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--busy-poll") {
      o.busy_poll = true;
      continue;
    }
    if (i + 1 >= argc) return std::nullopt;
    const std::string value = argv[++i];
    if (arg == "--url") {
      o.url = value;
    } else if (arg == "--connections") {
      o.connections = std::atoi(value.c_str());
    } else if (arg == "--requests") {
      o.requests = std::strtoull(value.c_str(), nullptr, 10);
    } else if (arg == "--duration") {
      o.duration_seconds = std::atof(value.c_str());
    } else if (arg == "--warmup") {
      o.warmup = std::strtoull(value.c_str(), nullptr, 10);
    } else if (arg == "--tool") {
      o.tool = value;
    } else if (arg == "--message") {
      o.message = value;
    } else if (arg == "--protocol") {
      o.protocol = value;
    } else if (arg == "--sessions") {
      o.sessions = std::strtoull(value.c_str(), nullptr, 10);
    } else if (arg == "--hold-seconds") {
      o.hold_seconds = std::atof(value.c_str());
    } else if (arg == "--timeout-ms") {
      o.timeout_ms = std::atoi(value.c_str());
    } else if (arg == "--label") {
      o.label = value;
    } else if (arg == "--header") {
      o.extra_headers.append(value).append("\r\n");
    } else {
      return std::nullopt;
    }
  }
  if (o.url.empty() || !parse_url(o) || o.connections < 1 || o.connections > 10000 || o.timeout_ms < 1 ||
      (o.requests == 0 && o.duration_seconds <= 0 && o.sessions == 0) || o.message.empty()) {
    return std::nullopt;
  }
  return o;
}

int run_main(Options options) {
  asio::io_context io(1);
  tcp::resolver resolver(io);
  boost::system::error_code ec;
  const auto endpoints = resolver.resolve(options.host, options.port, ec);
  if (ec || endpoints.empty()) {
    std::fprintf(stderr, "bulkhead-load: cannot resolve %s:%s\n", options.host.c_str(), options.port.c_str());
    return 2;
  }
  const tcp::endpoint endpoint = *endpoints.begin();
  Run run(std::move(options));
  const Options& o = run.options;
  run.samples_ns.reserve(o.duration_seconds > 0 ? 1u << 20 : o.requests);

  std::vector<std::unique_ptr<Connection>> connections;
  const auto connection_count =
      o.sessions > 0 ? std::min<std::uint64_t>(static_cast<std::uint64_t>(o.connections), o.sessions)
                     : static_cast<std::uint64_t>(o.connections);
  for (std::uint64_t i = 0; i < connection_count; ++i) {
    connections.push_back(std::make_unique<Connection>(io, run, endpoint));
  }

  asio::steady_timer hold(io);
  if (o.sessions > 0) {
    run.sessions_t0 = Clock::now();
    g_sessions_done = [&] {
      const double seconds = std::chrono::duration<double>(Clock::now() - run.sessions_t0).count();
      std::printf(
          "{\"mode\":\"sessions\",\"label\":%s,\"sessions\":%llu,\"opened\":%llu,\"failed\":%llu,\"seconds\":%.3f,"
          "\"first_error\":%s}\n",
          json_escape(o.label).c_str(), static_cast<unsigned long long>(o.sessions),
          static_cast<unsigned long long>(run.sessions_opened), static_cast<unsigned long long>(run.sessions_failed),
          seconds, json_escape(run.first_error).c_str());
      std::fflush(stdout);
      hold.expires_after(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.hold_seconds)));
      hold.async_wait([&](boost::system::error_code) {
        run.stop = true;
        for (auto& c : connections) c->close();
      });
    };
  }

  // Watchdog: request timeouts, and the end of the run once every connection has finished.
  asio::steady_timer watchdog(io);
  std::function<void(boost::system::error_code)> tick = [&](boost::system::error_code wait_ec) {
    if (wait_ec) return;
    const auto now = Clock::now();
    for (auto& c : connections) c->check_timeout(now);
    if (run.live_connections == 0 || run.stop) return;
    watchdog.expires_after(std::chrono::milliseconds(100));
    watchdog.async_wait(tick);
  };
  for (auto& c : connections) c->start();
  watchdog.expires_after(std::chrono::milliseconds(100));
  watchdog.async_wait(tick);
  if (o.busy_poll) {
    while (!io.stopped()) io.poll();
  } else {
    io.run();
  }

  if (o.sessions > 0) {
    if (run.sessions_opened + run.sessions_failed < o.sessions) {
      std::fprintf(stderr, "bulkhead-load: only %llu of %llu sessions opened: %s\n",
                   static_cast<unsigned long long>(run.sessions_opened), static_cast<unsigned long long>(o.sessions),
                   run.first_error.c_str());
      return 1;
    }
    return run.sessions_failed == 0 ? 0 : 1;
  }
  print_calls(run);
  if (!run.first_error.empty()) std::fprintf(stderr, "bulkhead-load: first error: %s\n", run.first_error.c_str());
  return run.errors == 0 && run.handshake_errors == 0 && run.completed > 0 ? 0 : 1;
}

}  // namespace
}  // namespace bulkhead::bench

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);
  auto options = bulkhead::bench::parse_options(argc, argv);
  if (!options) return bulkhead::bench::usage();
  try {
    return bulkhead::bench::run_main(std::move(*options));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bulkhead-load: %s\n", e.what());
    return 1;
  }
}

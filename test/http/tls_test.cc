// TLS and mTLS: http::Server with TlsOptions, http::Client over https, with an in-process test PKI.
#include <gtest/gtest.h>

#include <boost/asio/ssl.hpp>

#include "test_support.h"
#include "tls_support.h"

namespace bulkhead::http::test {
namespace {

namespace ssl = asio::ssl;

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { pki_ = new TestPki(make_test_pki()); }
  static void TearDownTestSuite() {
    std::error_code ec;
    std::filesystem::remove_all(pki_->dir, ec);
    delete pki_;
    pki_ = nullptr;
  }

  static ServerOptions tls_options(bool mtls) {
    auto options = loopback_options();
    options.tls = TlsOptions{pki_->server_cert, pki_->server_key, {}};
    if (mtls) options.tls->client_ca_files.push_back(pki_->ca_cert);
    return options;
  }

  static Handler peer_handler() {
    return [](Request& req, ResponseStream& out) -> asio::awaitable<void> {
      Response r;
      r.headers.set("X-Peer-Certs", std::to_string(req.peer_certificates_der.size()));
      r.body = req.peer_certificates_der.empty() ? std::string() : req.peer_certificates_der.front();
      co_await out.send(std::move(r));
    };
  }

  core::Result<ClientResponse> call(Client& client, ClientRequest req, SseCallback on_event = {}) {
    return run_on(io_.io(), client.request(std::move(req), std::move(on_event)));
  }

  static TestPki* pki_;
  IoThread io_;
};

TestPki* TlsTest::pki_ = nullptr;

// A blocking TLS client, optionally presenting the test client certificate.
bhttp::response<bhttp::string_body> tls_get(std::uint16_t port, const TestPki& pki, bool with_client_cert) {
  asio::io_context io;
  ssl::context ctx(ssl::context::tls_client);
  ctx.load_verify_file(pki.ca_cert);
  if (with_client_cert) {
    ctx.use_certificate_chain_file(pki.client_cert);
    ctx.use_private_key_file(pki.client_key, ssl::context::pem);
  }
  ssl::stream<tcp::socket> stream(io, ctx);
  stream.set_verify_mode(ssl::verify_peer);
  stream.next_layer().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  stream.handshake(ssl::stream_base::client);
  const std::string request = "GET /whoami HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
  asio::write(stream, asio::buffer(request));
  boost::beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> res;
  bhttp::read(stream, buffer, res);
  return res;
}

TEST_F(TlsTest, HttpsRoundTripWithKeepAlive) {
  TestServer server(peer_handler(), tls_options(false));
  auto client = Client::create(io_.io().get_executor(), Client::Options{.tls_ca_file = pki_->ca_cert});
  for (int i = 0; i < 3; ++i) {
    ClientRequest req;
    req.url = "https://127.0.0.1:" + std::to_string(server.port()) + "/mcp";
    req.body = "{}";
    auto res = call(*client, req);
    ASSERT_TRUE(res) << res.error().message;
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->headers.get("x-peer-certs"), "0");
  }
  EXPECT_EQ(server.server().open_connections(), 1u);
  // Host name verification with a DNS name.
  ClientRequest by_name;
  by_name.url = "https://localhost:" + std::to_string(server.port()) + "/mcp";
  auto res = call(*client, by_name);
  ASSERT_TRUE(res) << res.error().message;
}

TEST_F(TlsTest, UntrustedServerIsRefused) {
  TestServer server(peer_handler(), tls_options(false));
  auto client = Client::create(io_.io().get_executor(), Client::Options{.tls_ca_file = pki_->other_ca_cert});
  ClientRequest req;
  req.url = "https://127.0.0.1:" + std::to_string(server.port()) + "/mcp";
  auto res = call(*client, req);
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error().reason, core::Reason::upstream_unavailable);
  EXPECT_NE(res.error().message.find("TLS handshake"), std::string::npos) << res.error().message;
}

TEST_F(TlsTest, HttpsSseStream) {
  TestServer server(
      [](Request&, ResponseStream& out) -> asio::awaitable<void> {
        if (!co_await out.start_sse({})) co_return;
        for (int i = 0; i < 3; ++i) {
          SseEvent ev;
          ev.id = std::to_string(i);
          ev.data = "tls-" + std::to_string(i);
          co_await out.send_event(ev);
        }
        co_await out.finish();
      },
      tls_options(false));
  auto client = Client::create(io_.io().get_executor(), Client::Options{.tls_ca_file = pki_->ca_cert});
  ClientRequest req;
  req.method = "GET";
  req.url = "https://localhost:" + std::to_string(server.port()) + "/mcp";
  std::vector<std::string> got;
  auto res = call(*client, req, [&](SseEvent ev) -> asio::awaitable<bool> {
    got.push_back(ev.data);
    co_return true;
  });
  ASSERT_TRUE(res) << res.error().message;
  EXPECT_EQ(got, (std::vector<std::string>{"tls-0", "tls-1", "tls-2"}));
}

TEST_F(TlsTest, MutualTlsExposesVerifiedPeerChain) {
  TestServer server(peer_handler(), tls_options(true));
  auto with_cert = tls_get(server.port(), *pki_, true);
  EXPECT_EQ(with_cert.result_int(), 200u);
  EXPECT_EQ(with_cert["X-Peer-Certs"], "2") << "leaf and CA";
  EXPECT_EQ(with_cert.body(), pki_->client_cert_der) << "leaf first, DER";
  // Without a client certificate the request is served, with no peer chain (the caller decides).
  auto without = tls_get(server.port(), *pki_, false);
  EXPECT_EQ(without.result_int(), 200u);
  EXPECT_EQ(without["X-Peer-Certs"], "0");
}

TEST_F(TlsTest, PlainHttpOnTlsPortIsClosedCleanly) {
  TestServer server(peer_handler(), tls_options(false));
  {
    RawClient raw(server.port());
    raw.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    raw.read_to_eof();  // the handshake fails; the connection closes
  }
  EXPECT_TRUE(eventually([&] { return server.server().open_connections() == 0; }));
  auto res = tls_get(server.port(), *pki_, false);
  EXPECT_EQ(res.result_int(), 200u);
}

TEST_F(TlsTest, MissingCertificateFailsCreate) {
  asio::io_context io;
  auto options = loopback_options();
  options.tls = TlsOptions{(pki_->dir / "missing.pem").string(), pki_->server_key, {}};
  auto server = Server::create(io, options, peer_handler());
  ASSERT_FALSE(server);
  EXPECT_NE(server.error().message.find("missing.pem"), std::string::npos) << server.error().message;
}

}  // namespace
}  // namespace bulkhead::http::test

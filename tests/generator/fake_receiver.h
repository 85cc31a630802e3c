#pragma once
// A tiny loopback HTTP server for the remote write tests: it answers each request with the
// next status of a script (then `then_status`), one request per connection, and records every
// request it read. Not a remote write receiver: it never decodes what it gets.

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "testing/free_port.h"

namespace tempo::testing {

class FakeReceiver {
 public:
  struct Request {
    std::string target;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::string header(const std::string& name) const {
      for (const auto& [k, v] : headers) {
        if (boost::beast::iequals(k, name)) return v;
      }
      return "";
    }
  };

  // port 0: any free port.
  explicit FakeReceiver(std::vector<int> script, int then_status = 200, uint16_t port = 0)
      : script_(script.begin(), script.end()), then_(then_status), acceptor_(io_) {
    using boost::asio::ip::tcp;
    tcp::endpoint ep(boost::asio::ip::make_address("127.0.0.1"), port);
    acceptor_.open(ep.protocol());
    acceptor_.set_option(tcp::acceptor::reuse_address(true));
    acceptor_.bind(ep);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeReceiver() {
    stop_ = true;
    // Wakes the blocking accept().
    boost::system::error_code ec;
    boost::asio::io_context io;
    boost::asio::ip::tcp::socket s(io);
    s.connect({boost::asio::ip::make_address("127.0.0.1"), port_}, ec);
    thread_.join();
  }

  uint16_t port() const { return port_; }
  // A Retry-After header on every failure (status >= 400) from now on; "" for none.
  void set_retry_after(const std::string& value) {
    std::lock_guard<std::mutex> l(mu_);
    retry_after_ = value;
  }
  std::vector<Request> requests() const {
    std::lock_guard<std::mutex> l(mu_);
    return requests_;
  }
  size_t request_count() const {
    std::lock_guard<std::mutex> l(mu_);
    return requests_.size();
  }

 private:
  void serve() {
    namespace http = boost::beast::http;
    while (!stop_) {
      boost::asio::ip::tcp::socket sock(io_);
      boost::system::error_code ec;
      acceptor_.accept(sock, ec);
      if (ec || stop_) continue;
      boost::beast::flat_buffer buf;
      http::request<http::string_body> req;
      http::read(sock, buf, req, ec);
      if (ec) continue;
      int status;
      std::string retry_after;
      {
        std::lock_guard<std::mutex> l(mu_);
        Request r;
        r.target = std::string(req.target());
        for (const auto& f : req) {
          r.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
        }
        r.body = req.body();
        requests_.push_back(std::move(r));
        status = then_;
        retry_after = retry_after_;
        if (!script_.empty()) {
          status = script_.front();
          script_.pop_front();
        }
      }
      http::response<http::string_body> res{static_cast<http::status>(status), 11};
      res.set(http::field::connection, "close");
      if (status >= 400 && !retry_after.empty()) res.set(http::field::retry_after, retry_after);
      res.body() = status >= 400 ? "scripted failure\n" : "";
      res.prepare_payload();
      http::write(sock, res, ec);
      sock.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
    }
  }

  mutable std::mutex mu_;
  std::deque<int> script_;
  int then_;
  std::string retry_after_;
  std::vector<Request> requests_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace tempo::testing

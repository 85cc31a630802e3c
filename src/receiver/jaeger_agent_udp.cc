#include <boost/asio/post.hpp>

#include <condition_variable>
#include <future>
#include <mutex>

#include "receiver/foreign_push.h"
#include "tempo/observability/log.h"
#include "tempo/observability/metrics.h"
#include "tempo/receiver/jaeger.h"

namespace tempo::receiver {

namespace asio = boost::asio;
using asio::ip::udp;

namespace {

prometheus::Family<prometheus::Counter>& dropped_datagrams() {
  static auto& f = metrics::counter_family(
      "tempo_receiver_dropped_datagrams_total",
      "Jaeger agent datagrams dropped unread because the UDP intake queue was full.");
  return f;
}

}  // namespace

struct JaegerAgentReceiver::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::io_context& io, server::BoundedExecutor& w, distributor::Distributor& d, bool mt,
       model::ThriftProtocol p)
      : socket(io), workers(w), distributor(d), multitenancy(mt), protocol(p),
        dropped(dropped_datagrams().Add({{"transport", transport()}, {"reason", "queue_full"}})) {}

  const char* transport() const {
    return protocol == model::ThriftProtocol::kCompact ? "thrift_compact" : "thrift_binary";
  }

  void receive() {
    socket.async_receive_from(
        asio::buffer(buffer), sender,
        [self = shared_from_this()](const boost::system::error_code& ec, size_t n) {
          if (ec == asio::error::operation_aborted || !self->socket.is_open()) return;
          if (!ec) {
            // Decoding and the WAL write happen off the network thread; stop() waits for them.
            // The intake queue is bounded: a flood beyond it is dropped here and counted (UDP
            // has no back-pressure), instead of queueing without end in front of everything.
            self->inflight.fetch_add(1);
            bool queued = self->workers.try_post([self, datagram = std::string(self->buffer.data(), n)] {
              self->handle(datagram);
              std::lock_guard<std::mutex> lock(self->mu);
              if (self->inflight.fetch_sub(1) == 1) self->idle.notify_all();
            });
            if (!queued) {
              self->dropped.Increment();
              std::lock_guard<std::mutex> lock(self->mu);
              if (self->inflight.fetch_sub(1) == 1) self->idle.notify_all();
            }
          }
          self->receive();
        });
  }

  void handle(const std::string& datagram) {
    Status s;
    // An exception escaping a worker of the shared pool would terminate the process, so one
    // datagram must never be able to throw past here; it is dropped and logged instead.
    try {
      s = decode_and_push(distributor, multitenancy, "", datagram, "jaeger", transport(), nullptr,
                          [&](auto* out) {
                            return model::jaeger_agent_datagram_to_otlp(datagram, protocol, out);
                          });
    } catch (const std::exception& e) {
      s = Status::internal(std::string("cannot handle datagram: ") + e.what());
    }
    if (!s.is_ok()) {
      log::warn("jaeger agent batch dropped",
                {{"transport", protocol == model::ThriftProtocol::kCompact ? "thrift_compact"
                                                                           : "thrift_binary"},
                 {"bytes", datagram.size()},
                 {"err", s.message()}});
    }
  }

  udp::socket socket;
  server::BoundedExecutor& workers;
  distributor::Distributor& distributor;
  bool multitenancy;
  model::ThriftProtocol protocol;
  std::array<char, 65536> buffer{};
  udp::endpoint sender;
  std::atomic<int> inflight{0};
  std::mutex mu;
  std::condition_variable idle;
  prometheus::Counter& dropped;
};

JaegerAgentReceiver::JaegerAgentReceiver(asio::io_context& io, server::BoundedExecutor& workers,
                                         distributor::Distributor& distributor,
                                         bool multitenancy_enabled, model::ThriftProtocol protocol)
    : impl_(std::make_shared<Impl>(io, workers, distributor, multitenancy_enabled, protocol)) {}

JaegerAgentReceiver::~JaegerAgentReceiver() = default;

Status JaegerAgentReceiver::start(const std::string& address, int port) {
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(address, ec);
  if (ec) return Status::invalid_argument("bad jaeger agent address \"" + address + "\"");
  udp::endpoint ep(addr, static_cast<unsigned short>(port));
  impl_->socket.open(ep.protocol(), ec);
  if (!ec) impl_->socket.bind(ep, ec);
  if (ec) {
    return Status::io_error("jaeger agent: cannot listen on udp " + address + ":" +
                            std::to_string(port) + ": " + ec.message());
  }
  // Agents send bursts of datagrams; a larger kernel buffer keeps them from being dropped
  // while the workers catch up.
  impl_->socket.set_option(asio::socket_base::receive_buffer_size(4 << 20), ec);
  port_ = impl_->socket.local_endpoint().port();
  impl_->receive();
  return Status::ok();
}

void JaegerAgentReceiver::stop() {
  // The socket belongs to the network threads: close it there, then wait until every batch
  // already received is stored, so shutdown's flush includes them.
  auto closed = std::make_shared<std::promise<void>>();
  asio::post(impl_->socket.get_executor(), [impl = impl_, closed] {
    boost::system::error_code ec;
    if (impl->socket.is_open()) impl->socket.close(ec);
    closed->set_value();
  });
  if (closed->get_future().wait_for(std::chrono::seconds(5)) != std::future_status::ready) return;
  std::unique_lock<std::mutex> lock(impl_->mu);
  impl_->idle.wait_for(lock, std::chrono::seconds(5), [this] { return impl_->inflight.load() == 0; });
}

}  // namespace tempo::receiver

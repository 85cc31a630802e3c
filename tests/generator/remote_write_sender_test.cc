// The remote write sender's retry policy against a scripted loopback server: 5xx and 429 are
// retried until delivered, other 4xx dropped and counted, a refused connection waited out,
// and batches leave in order.

#include <prometheus/counter.h>
#include <prometheus/gauge.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "generator/fake_receiver.h"
#include "generator/remote_write/disk_queue.h"
#include "generator/remote_write/sender.h"
#include "testing/temp_dir.h"

namespace tempo::generator::remote_write {
namespace {

using namespace std::chrono_literals;
using testing::FakeReceiver;

Batch batch(int i) {
  Batch b;
  b.body = "body-" + std::to_string(i);
  b.samples = static_cast<uint32_t>(100 + i);
  b.exemplars = 1;
  return b;
}

config::RemoteWriteConfig endpoint(uint16_t port, const std::string& name) {
  config::RemoteWriteConfig ep;
  ep.url = "http://127.0.0.1:" + std::to_string(port) + "/api/v1/write";
  ep.host = "127.0.0.1";
  ep.port = port;
  ep.target = "/api/v1/write";
  ep.name = name;
  ep.remote_timeout = 5s;
  return ep;
}

// A queue and its sender towards `port`, with fast backoff; metrics under a tenant of its own.
struct Rig {
  Rig(uint16_t port, const std::string& tenant) : ep(endpoint(port, tenant + "-ep")) {
    QueueOptions qo;
    qo.dir = tmp.sub(tenant + "/ep");
    qo.sync = false;
    REQUIRE(DiskQueue::open(qo, &queue).is_ok());
    metrics.emplace(tenant, ep);
    SenderOptions so;
    so.tenant = tenant;
    so.endpoint = ep;
    so.min_backoff = 1ms;
    so.max_backoff = 20ms;
    sender = std::make_unique<Sender>(so, queue.get(), &*metrics);
  }
  // Waits (bounded) until the queue is empty; the test then checks what arrived.
  bool wait_sent() {
    for (int i = 0; i < 3000 && queue->pending().batches > 0; ++i) std::this_thread::sleep_for(5ms);
    return queue->pending().batches == 0;
  }
  testing::TempDir tmp;
  config::RemoteWriteConfig ep;
  std::unique_ptr<DiskQueue> queue;
  std::optional<QueueMetrics> metrics;
  std::unique_ptr<Sender> sender;
};

TEST_CASE("remote write classifies outcomes as Prometheus does") {
  CHECK(classify(Status::ok(), 200) == Verdict::kDelivered);
  CHECK(classify(Status::ok(), 204) == Verdict::kDelivered);
  CHECK(classify(Status::ok(), 500) == Verdict::kRetry);
  CHECK(classify(Status::ok(), 503) == Verdict::kRetry);
  CHECK(classify(Status::ok(), 429) == Verdict::kRetry);
  CHECK(classify(Status::ok(), 400) == Verdict::kDrop);
  CHECK(classify(Status::ok(), 401) == Verdict::kDrop);
  CHECK(classify(Status::ok(), 404) == Verdict::kDrop);
  CHECK(classify(Status::unavailable("connect: refused"), 0) == Verdict::kRetry);
  CHECK(next_backoff(0ms, 30ms, 5000ms) == 30ms);
  CHECK(next_backoff(30ms, 30ms, 5000ms) == 60ms);
  CHECK(next_backoff(4000ms, 30ms, 5000ms) == 5000ms);
  CHECK(next_backoff(5000ms, 30ms, 5000ms) == 5000ms);
}

TEST_CASE("remote write retries 500 until the endpoint takes the batch") {
  FakeReceiver rx({500, 500}, 200);
  Rig rig(rx.port(), "retry500");
  REQUIRE(rig.queue->push(batch(1), nullptr).is_ok());
  rig.sender->start();
  REQUIRE(rig.wait_sent());
  auto reqs = rx.requests();
  REQUIRE(reqs.size() == 3);
  for (const auto& r : reqs) {
    CHECK(r.body == "body-1");
    CHECK(r.target == "/api/v1/write");
    CHECK(r.header("Content-Encoding") == "snappy");
    CHECK(r.header("Content-Type") == "application/x-protobuf");
    CHECK(r.header("X-Prometheus-Remote-Write-Version") == "0.1.0");
    CHECK(r.header("X-Scope-OrgID") == "retry500");
  }
  CHECK(rig.metrics->samples->Value() == 101);
  CHECK(rig.metrics->samples_retried->Value() == 2 * 101);
  CHECK(rig.metrics->samples_failed->Value() == 0);
  CHECK(rig.metrics->exemplars->Value() == 1);
  CHECK(rig.metrics->bytes->Value() == 6);
}

TEST_CASE("remote write retries 429 until the endpoint takes the batch") {
  FakeReceiver rx({429}, 200);
  Rig rig(rx.port(), "retry429");
  REQUIRE(rig.queue->push(batch(2), nullptr).is_ok());
  rig.sender->start();
  REQUIRE(rig.wait_sent());
  auto reqs = rx.requests();
  REQUIRE(reqs.size() == 2);
  CHECK(reqs[0].body == "body-2");
  CHECK(reqs[1].body == "body-2");
  CHECK(rig.metrics->samples->Value() == 102);
  CHECK(rig.metrics->samples_retried->Value() == 102);
}

TEST_CASE("remote write reads Retry-After as seconds or an HTTP date, bounded") {
  using std::chrono::system_clock;
  const auto now = system_clock::from_time_t(784111777);  // Sun, 06 Nov 1994 08:49:37 GMT
  CHECK(retry_after("", now) == 0ms);
  CHECK(retry_after("3", now) == 3000ms);
  CHECK(retry_after(" 0 ", now) == 0ms);
  CHECK(retry_after("120", now) == 120000ms);
  CHECK(retry_after("99999999999999999999", now) == kMaxRetryAfter);
  CHECK(retry_after("86400", now) == kMaxRetryAfter);
  CHECK(retry_after("Sun, 06 Nov 1994 08:49:47 GMT", now) == 10000ms);
  CHECK(retry_after("Sun, 06 Nov 1994 08:49:30 GMT", now) == 0ms);  // in the past
  CHECK(retry_after("Sun, 06 Nov 1994 09:49:37 GMT", now) == kMaxRetryAfter);
  CHECK(retry_after("-5", now) == 0ms);
  CHECK(retry_after("1.5", now) == 0ms);
  CHECK(retry_after("soon", now) == 0ms);
  CHECK(retry_after("Sun, 06 Nov 1994 08:49:47 GMT trailing", now) == 0ms);
}

TEST_CASE("remote write waits the Retry-After a 429 asks for instead of its own backoff") {
  // Backoff alone would retry within 20 ms; the endpoint asks for 2 s. Only a direction is
  // checked (no second request well before the asked wait, then delivery), never a duration.
  FakeReceiver rx({429}, 200);
  rx.set_retry_after("2");
  Rig rig(rx.port(), "retryafter");
  REQUIRE(rig.queue->push(batch(3), nullptr).is_ok());
  rig.sender->start();
  for (int i = 0; i < 400 && rx.request_count() == 0; ++i) std::this_thread::sleep_for(5ms);
  REQUIRE(rx.request_count() == 1);
  std::this_thread::sleep_for(500ms);
  CHECK(rx.request_count() == 1);
  REQUIRE(rig.wait_sent());
  auto reqs = rx.requests();
  REQUIRE(reqs.size() == 2);
  CHECK(reqs[1].body == "body-3");
  CHECK(rig.metrics->samples->Value() == 103);
}

TEST_CASE("remote write drops a batch the endpoint refuses with 400 and sends the next") {
  FakeReceiver rx({400}, 200);
  Rig rig(rx.port(), "drop400");
  REQUIRE(rig.queue->push(batch(1), nullptr).is_ok());
  REQUIRE(rig.queue->push(batch(2), nullptr).is_ok());
  rig.sender->start();
  REQUIRE(rig.wait_sent());
  auto reqs = rx.requests();
  REQUIRE(reqs.size() == 2);
  CHECK(reqs[0].body == "body-1");  // refused once, never again
  CHECK(reqs[1].body == "body-2");
  CHECK(rig.metrics->samples_failed->Value() == 101);
  CHECK(rig.metrics->exemplars_failed->Value() == 1);
  CHECK(rig.metrics->samples->Value() == 102);
  CHECK(rig.metrics->samples_retried->Value() == 0);
}

TEST_CASE("remote write waits out an endpoint that is down and sends in order once it is up") {
  const uint16_t port = testing::free_loopback_port();
  Rig rig(port, "down-then-up");
  for (int i = 0; i < 3; ++i) REQUIRE(rig.queue->push(batch(i), nullptr).is_ok());
  rig.sender->start();
  // Nothing listens: connections are refused and retried; nothing leaves the queue.
  while (rig.metrics->samples_retried->Value() < 3 * 100) std::this_thread::sleep_for(1ms);
  CHECK(rig.queue->pending().batches == 3);
  FakeReceiver rx({503}, 200, port);
  REQUIRE(rig.wait_sent());
  auto reqs = rx.requests();
  REQUIRE(reqs.size() == 4);
  CHECK(reqs[0].body == "body-0");
  CHECK(reqs[1].body == "body-0");
  CHECK(reqs[2].body == "body-1");
  CHECK(reqs[3].body == "body-2");
  CHECK(rig.metrics->samples->Value() == 100 + 101 + 102);
}

TEST_CASE("remote write stop leaves what an endpoint never took on disk") {
  FakeReceiver rx({}, 500);
  Rig rig(rx.port(), "stop-keeps");
  REQUIRE(rig.queue->push(batch(1), nullptr).is_ok());
  REQUIRE(rig.queue->push(batch(2), nullptr).is_ok());
  rig.sender->start();
  while (rx.request_count() < 2) std::this_thread::sleep_for(1ms);
  rig.sender->stop(std::chrono::steady_clock::now() + 50ms);
  CHECK(rig.queue->pending().batches == 2);
  CHECK(rig.metrics->samples->Value() == 0);
  for (const auto& r : rx.requests()) CHECK(r.body == "body-1");
}

TEST_CASE("remote write stop sends what is queued before it returns, when the endpoint is up") {
  FakeReceiver rx({}, 200);
  Rig rig(rx.port(), "stop-flushes");
  for (int i = 0; i < 5; ++i) REQUIRE(rig.queue->push(batch(i), nullptr).is_ok());
  rig.sender->start();
  rig.sender->stop(std::chrono::steady_clock::now() + 60s);
  CHECK(rig.queue->pending().batches == 0);
  auto reqs = rx.requests();
  REQUIRE(reqs.size() == 5);
  for (int i = 0; i < 5; ++i) CHECK(reqs[static_cast<size_t>(i)].body == batch(i).body);
}

}  // namespace
}  // namespace tempo::generator::remote_write

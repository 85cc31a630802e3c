#include "tempo/util/thread_name.h"

#include <pthread.h>

#include <catch2/catch.hpp>
#include <string>
#include <thread>

namespace {

std::string name_of_this_thread() {
  char buf[64] = {};
  REQUIRE(pthread_getname_np(pthread_self(), buf, sizeof(buf)) == 0);
  return buf;
}

}  // namespace

TEST_CASE("set_thread_name names the calling thread and cuts a long name at 15 bytes") {
  std::string short_name, long_name;
  std::thread t([&] {
    tempo::set_thread_name("compaction");
    short_name = name_of_this_thread();
    tempo::set_thread_name("a-name-longer-than-fifteen-bytes");
    long_name = name_of_this_thread();
  });
  t.join();
  CHECK(short_name == "compaction");
  CHECK(long_name == "a-name-longer-t");
}

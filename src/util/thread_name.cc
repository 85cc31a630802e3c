#include "tempo/util/thread_name.h"

#include <pthread.h>

#include <algorithm>
#include <cstring>

namespace tempo {

void set_thread_name(std::string_view name) {
  char buf[16];  // the kernel's TASK_COMM_LEN, terminator included
  const size_t n = std::min(name.size(), sizeof(buf) - 1);
  std::memcpy(buf, name.data(), n);
  buf[n] = '\0';
  (void)pthread_setname_np(pthread_self(), buf);
}

}  // namespace tempo

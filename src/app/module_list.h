#pragma once
// The app's modules in dependency order: started first to last, stopped last to first, so a
// module never runs without what it depends on. If a start fails, the modules already started
// are stopped (in reverse) before the error is returned.

#include <functional>
#include <string>
#include <vector>

#include "tempo/observability/log.h"
#include "tempo/util/status.h"

namespace tempo::app {

class ModuleList {
 public:
  struct Module {
    std::string name;
    std::function<Status()> start;  // may be empty: nothing to start
    std::function<void()> stop;     // may be empty: nothing to stop
  };

  // Modules are appended in dependency order: each may use those added before it.
  void add(Module m) { modules_.push_back(std::move(m)); }

  Status start_all() {
    for (size_t i = 0; i < modules_.size(); ++i) {
      Status s = modules_[i].start ? modules_[i].start() : Status::ok();
      if (!s.is_ok()) {
        log::error("module failed to start",
                   {{"module", modules_[i].name}, {"err", s.to_string()}});
        started_ = i;
        stop_all();
        return s;
      }
      log::debug("module started", {{"module", modules_[i].name}});
    }
    started_ = modules_.size();
    return Status::ok();
  }

  void stop_all() {
    while (started_ > 0) {
      auto& m = modules_[--started_];
      log::info("stopping module", {{"module", m.name}});
      if (m.stop) m.stop();
    }
  }

  std::vector<std::string> names() const {
    std::vector<std::string> n;
    for (const auto& m : modules_) n.push_back(m.name);
    return n;
  }

 private:
  std::vector<Module> modules_;
  size_t started_ = 0;
};

}  // namespace tempo::app

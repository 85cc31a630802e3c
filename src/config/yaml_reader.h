#pragma once
// Typed reads of tempo.yaml values by dotted path. A key that is absent or null leaves the
// destination (its default) untouched; a value of the wrong type is an error naming the key,
// its line and what was expected.

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tempo/util/status.h"

namespace tempo::config {

class YamlReader {
 public:
  // `prefix` goes before every path in messages: a reader over one list item
  // ("metrics_generator.storage.remote_write[0].") names keys in full.
  explicit YamlReader(const YAML::Node& root, std::string prefix = "")
      : root_(root), prefix_(std::move(prefix)) {}

  // The node at a dotted path, or an undefined node. Never inserts keys.
  YAML::Node at(const std::string& path) const;
  // Present, even with a null value (`zipkin:` enables a receiver).
  bool present(const std::string& path) const { return at(path).IsDefined(); }
  // What messages put before a path.
  const std::string& prefix() const { return prefix_; }

  Status str(const std::string& path, std::string* out) const;
  // Plain integers, YAML 1.1 forms (1_000_000, 0x10) and integral floats (1e6), range-checked.
  Status integer(const std::string& path, int64_t* out) const;
  Status integer(const std::string& path, int* out) const;
  Status number(const std::string& path, double* out) const;
  // true/false and YAML 1.1 yes/no/on/off.
  Status boolean(const std::string& path, bool* out) const;
  // Go syntax: 300ms, 30s, 1h30m, 720h, 0.
  Status duration(const std::string& path, std::chrono::nanoseconds* out) const;
  // Go syntax, or Prometheus syntax with d/w/y units (14d, 2w) as Tempo's overrides take.
  Status model_duration(const std::string& path, std::chrono::nanoseconds* out) const;
  Status strings(const std::string& path, std::vector<std::string>* out) const;

 private:
  Status type_error(const YAML::Node& n, const std::string& path, const char* want) const;
  YAML::Node root_;
  std::string prefix_;
};

// "line N" for a node (1-based), the prefix of every error message.
std::string line_of(const YAML::Node& n);

}  // namespace tempo::config

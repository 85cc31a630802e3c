// crc32_update must give zlib's CRC-32 exactly: WAL files and blocks written with zlib's
// crc32_z before the switch to ISA-L are checked with it.

#include <zlib.h>

#include <catch2/catch.hpp>
#include <random>
#include <string>

#include "tempo/util/little_endian.h"

TEST_CASE("crc32: the standard check value, and zlib's values chained over random pieces") {
  CHECK(tempo::crc32_of("123456789") == 0xCBF43926u);
  CHECK(tempo::crc32_of("") == 0u);
  std::mt19937_64 rng(7);
  for (int i = 0; i < 2000; ++i) {
    std::string a(rng() % 3000, '\0'), b(rng() % 700, '\0');
    for (auto& c : a) c = static_cast<char>(rng());
    for (auto& c : b) c = static_cast<char>(rng());
    const uLong za = crc32_z(0, reinterpret_cast<const Bytef*>(a.data()), a.size());
    const uLong zab = crc32_z(za, reinterpret_cast<const Bytef*>(b.data()), b.size());
    INFO("piece " << i << ": " << a.size() << " + " << b.size() << " bytes");
    REQUIRE(tempo::crc32_of(a) == za);
    REQUIRE(tempo::crc32_update(tempo::crc32_of(a), b) == zab);
  }
}

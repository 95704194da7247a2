// Test-only helpers for the archive layer's tests: where the real-archive
// fixtures are, what they contain, and a loopback HTTP server.
#ifndef CRYPTOLAKE_SRC_ARCHIVE_ARCHIVE_TEST_UTIL_H_
#define CRYPTOLAKE_SRC_ARCHIVE_ARCHIVE_TEST_UTIL_H_

#include <httplib.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace cryptolake::archive::testing {

// One real archive file from ../shared/fixtures/binance-archive/README.md.
struct FixtureFile {
  const char* zip_path;  // Archive path, relative to the mirror root.
  int rows;              // Data rows (header excluded).
  bool has_header;
};

inline const std::vector<FixtureFile>& Fixtures() {
  static const std::vector<FixtureFile> kFixtures = {
      {"data/spot/daily/klines/BTCUSDT/1h/BTCUSDT-1h-2026-05-08.zip", 24, false},
      {"data/spot/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2020-01-01.zip", 1440, false},
      {"data/futures/um/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2022-09-05.zip", 1440, true},
      {"data/futures/cm/daily/klines/BTCUSD_PERP/1m/BTCUSD_PERP-1m-2022-10-24.zip", 1440, true},
      {"data/futures/um/monthly/fundingRate/BTCUSDT/BTCUSDT-fundingRate-2026-04.zip", 90, true},
      {"data/futures/cm/daily/aggTrades/BTCUSD_PERP/BTCUSD_PERP-aggTrades-2026-05-08.zip", 105280,
       true},
  };
  return kFixtures;
}

// The fixture mirror root: $CRYPTOLAKE_FIXTURES_DIR/binance-archive, else
// ../shared/fixtures/binance-archive beside the checkout. nullopt if absent.
inline std::optional<std::filesystem::path> FixtureRoot() {
  std::filesystem::path base;
  if (const char* env = std::getenv("CRYPTOLAKE_FIXTURES_DIR"); env != nullptr && *env) {
    base = env;
  } else {
    base = std::filesystem::path(CRYPTOLAKE_SOURCE_DIR) / ".." / "shared" / "fixtures";
  }
  std::filesystem::path root = (base / "binance-archive").lexically_normal();
  std::error_code ec;
  if (!std::filesystem::is_directory(root / "data", ec)) return std::nullopt;
  return root;
}

#define CL_REQUIRE_FIXTURES(root_var)                                                      \
  auto root_var##_opt = ::cryptolake::archive::testing::FixtureRoot();                     \
  if (!root_var##_opt) {                                                                   \
    GTEST_SKIP() << "real-archive fixtures not found (../shared/fixtures/binance-archive " \
                    "beside the checkout, or $CRYPTOLAKE_FIXTURES_DIR)";                   \
  }                                                                                        \
  const std::filesystem::path root_var = *root_var##_opt

inline std::string ReadFileBytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// An httplib server on 127.0.0.1:<ephemeral>, serving on its own thread
// from construction until destruction. Register handlers on server() before
// Start().
class LoopbackServer {
 public:
  LoopbackServer() = default;
  ~LoopbackServer() { Stop(); }
  httplib::Server& server() { return server_; }

  // Binds (the socket accepts connections from here on) and starts serving.
  int Start() {
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() before the accept loop is up would be lost; wait for it.
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return port_;
  }
  void Stop() {
    if (thread_.joinable()) {
      server_.stop();
      thread_.join();
    }
  }
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = -1;
};

}  // namespace cryptolake::archive::testing

#endif  // CRYPTOLAKE_SRC_ARCHIVE_ARCHIVE_TEST_UTIL_H_

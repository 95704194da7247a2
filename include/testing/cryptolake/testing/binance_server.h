// BinanceServer drives test/peers/binance_rest_server.mjs (through NodePeer): start it with
// data files and a weight limit, script faults and read its stats. Test-only; needs
// CRYPTOLAKE_SOURCE_DIR defined to the repository root.
#ifndef CRYPTOLAKE_TESTING_BINANCE_SERVER_H_
#define CRYPTOLAKE_TESTING_BINANCE_SERVER_H_

#include <curl/curl.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cryptolake/testing/node_peer.h"

namespace cryptolake::testing {

// HTTP to the control endpoints (plain libcurl; returns the body, empty on failure).
inline std::string HttpCall(const std::string& url, const std::string* post_body) {
  std::string body;
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return body;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10'000L);
  curl_easy_setopt(
      curl, CURLOPT_WRITEFUNCTION, +[](char* d, size_t s, size_t n, void* u) -> size_t {
        static_cast<std::string*>(u)->append(d, s * n);
        return s * n;
      });
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  curl_slist* headers = nullptr;
  if (post_body != nullptr) {
    headers = curl_slist_append(headers, "Content-Type: application/json");
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, post_body->c_str());
  }
  if (curl_easy_perform(curl) != CURLE_OK) body.clear();
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return body;
}

class BinanceServer {
 public:
  static std::unique_ptr<BinanceServer> Start(const std::vector<std::string>& args,
                                              std::string* error, bool* skip) {
    auto peer = NodePeer::Start("binance_rest_server.mjs", args, error, skip);
    if (!peer) return nullptr;
    auto s = std::unique_ptr<BinanceServer>(new BinanceServer());
    s->peer_ = std::move(peer);
    return s;
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(peer_->port()); }

  // Queues faults: a JSON array of {"type": ..., "count": ..., ...}.
  bool Faults(const nlohmann::json& faults) {
    std::string body = nlohmann::json{{"faults", faults}}.dump();
    return !HttpCall(url() + "/__control/faults", &body).empty();
  }

  // The server's stats; a discarded value when they cannot be read.
  nlohmann::json Stats() {
    nlohmann::json stats;
    for (int attempt = 0; attempt < 3; ++attempt) {
      stats = nlohmann::json::parse(HttpCall(url() + "/__control/stats", nullptr), nullptr, false);
      if (stats.is_object()) break;
    }
    return stats;
  }

 private:
  BinanceServer() = default;
  std::unique_ptr<NodePeer> peer_;
};

}  // namespace cryptolake::testing

#endif  // CRYPTOLAKE_TESTING_BINANCE_SERVER_H_

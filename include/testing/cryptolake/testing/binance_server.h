// Test-only helpers (the `testing` include root holds support code for tests, never linked into
// the library or the CLI). Needs CRYPTOLAKE_SOURCE_DIR defined to the repository root.
//
// NodePeer runs a node script from test/peers (spawned with its stdin on a pipe;
// the script prints "READY <port>" and exits when its stdin closes), and BinanceServer drives
// test/peers/binance_rest_server.mjs: start it with data files and a weight limit, script faults
// and read its stats.
#ifndef CRYPTOLAKE_TESTING_BINANCE_SERVER_H_
#define CRYPTOLAKE_TESTING_BINANCE_SERVER_H_

#include <curl/curl.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

extern char** environ;

namespace cryptolake::testing {

inline std::optional<std::string> FindOnPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return std::nullopt;
  std::string_view rest(path);
  while (!rest.empty()) {
    size_t colon = rest.find(':');
    std::string dir(rest.substr(0, colon));
    rest = colon == std::string_view::npos ? "" : rest.substr(colon + 1);
    std::filesystem::path candidate = std::filesystem::path(dir.empty() ? "." : dir) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return std::nullopt;
}

// A node script from test/peers; stopped (stdin closed, then reaped) by the destructor.
class NodePeer {
 public:
  // nullptr with *error set when it cannot start; *skip is true when node itself is missing.
  static std::unique_ptr<NodePeer> Start(const std::string& script,
                                         const std::vector<std::string>& script_args,
                                         std::string* error, bool* skip) {
    *skip = false;
    auto node = FindOnPath("node");
    if (!node) {
      *skip = true;
      *error = "node is not installed (needed to run test/peers/" + script + ")";
      return nullptr;
    }
    std::string path =
        (std::filesystem::path(CRYPTOLAKE_SOURCE_DIR) / "test" / "peers" / script).string();
    int in_pipe[2], out_pipe[2];
    if (::pipe2(in_pipe, O_CLOEXEC) != 0) {
      *error = "pipe failed";
      return nullptr;
    }
    if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
      ::close(in_pipe[0]);
      ::close(in_pipe[1]);
      *error = "pipe failed";
      return nullptr;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in_pipe[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
    std::vector<std::string> args = {*node, path};
    args.insert(args.end(), script_args.begin(), script_args.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    auto peer = std::unique_ptr<NodePeer>(new NodePeer());
    int rc = posix_spawn(&peer->pid_, node->c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(in_pipe[0]);
    ::close(out_pipe[1]);
    peer->stdin_fd_ = in_pipe[1];
    if (rc != 0) {
      ::close(out_pipe[0]);
      peer->pid_ = -1;
      *error = "cannot spawn node";
      return nullptr;
    }
    std::string line;
    char c;
    while (::read(out_pipe[0], &c, 1) == 1 && c != '\n') line += c;
    ::close(out_pipe[0]);
    if (line.rfind("READY ", 0) != 0) {
      *error = script + " did not start (said \"" + line + "\")";
      return nullptr;
    }
    peer->port_ = std::atoi(line.c_str() + 6);
    return peer;
  }

  ~NodePeer() {
    if (stdin_fd_ >= 0) ::close(stdin_fd_);  // the script exits on EOF
    if (pid_ > 0) {
      int status;
      ::waitpid(pid_, &status, 0);
    }
  }

  int port() const { return port_; }

 private:
  NodePeer() = default;
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int port_ = 0;
};

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

#include "cryptolake/runner/shard.h"

#include <charconv>

namespace cryptolake::runner {

Result<ShardSpec> ParseShardSpec(std::string_view text) {
  auto bad = [&] {
    return Status::InvalidArgument("shard must be i/n with 0 <= i < n <= 4096, got '" +
                                   std::string(text) + "'");
  };
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) return bad();
  ShardSpec s;
  std::string_view i = text.substr(0, slash), n = text.substr(slash + 1);
  auto [pi, ei] = std::from_chars(i.data(), i.data() + i.size(), s.index);
  auto [pn, en] = std::from_chars(n.data(), n.data() + n.size(), s.count);
  if (ei != std::errc() || en != std::errc() || pi != i.data() + i.size() ||
      pn != n.data() + n.size() || i.empty() || n.empty()) {
    return bad();
  }
  if (s.count < 1 || s.count > 4096 || s.index < 0 || s.index >= s.count) return bad();
  return s;
}

uint64_t Fnv1a64(std::string_view bytes) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

int ShardOwner(std::string_view market, std::string_view data_type, std::string_view symbol,
               std::string_view period, bool monthly, int shard_count) {
  if (shard_count <= 1) return 0;
  std::string key;
  key.reserve(64);
  key.append(market).append("|").append(data_type).append("|").append(symbol);
  if (!monthly) key.append("|").append(period);
  return static_cast<int>(Fnv1a64(key) % static_cast<uint64_t>(shard_count));
}

}  // namespace cryptolake::runner

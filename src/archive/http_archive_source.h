// Internal: the HTTP(S) ArchiveSource (libcurl) and the local-directory one.
#ifndef CRYPTOLAKE_SRC_ARCHIVE_HTTP_ARCHIVE_SOURCE_H_
#define CRYPTOLAKE_SRC_ARCHIVE_HTTP_ARCHIVE_SOURCE_H_

#include <filesystem>
#include <memory>
#include <string>

#include "cryptolake/archive/archive_source.h"

namespace cryptolake::archive {

// `base_url` is "http(s)://host[:port][/path]" without a trailing '/'.
std::unique_ptr<ArchiveSource> NewHttpArchiveSource(std::string base_url,
                                                    const SourceOptions& options);

// `root` is an existing absolute directory mirroring the archive layout.
std::unique_ptr<ArchiveSource> NewLocalArchiveSource(std::filesystem::path root);

}  // namespace cryptolake::archive

#endif  // CRYPTOLAKE_SRC_ARCHIVE_HTTP_ARCHIVE_SOURCE_H_

// Output files written whole or not at all. The bytes go to a temporary file in the target's
// folder, which is renamed over the target only once completely written: a failure (a full disk,
// an interruption) leaves the old file or nothing, never half a file.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace certnn {

// Throws certnn::Error naming the path when it cannot be written: its folder is missing or not
// writable, or the path is a folder. For checking outputs before long work starts.
void check_writable(const std::string& path);

// Throws certnn::Error when two of the paths name the same file (after resolving `.`, `..` and
// symbolic links), naming both options: one output would silently overwrite another.
void check_distinct_outputs(const std::vector<std::pair<std::string, std::string>>& option_and_path);

// Writes `bytes` to `path` through a temporary file and a rename; throws certnn::Error naming
// the path on failure, after removing the temporary file.
void write_file_atomically(const std::string& path, std::string_view bytes);

// Writes several files so that either all of them are replaced or none: every temporary file is
// written first, and the renames follow only once all have been.
void write_files_atomically(const std::vector<std::pair<std::string, std::string>>& path_and_bytes);

}  // namespace certnn

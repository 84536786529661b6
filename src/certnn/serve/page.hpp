// The page served at GET /: static HTML and JavaScript, no external resources. It reads
// /v1/model, offers a drawing canvas for 8x8 and 28x28 inputs (and a text box for any input),
// posts to /v1/predict and shows prediction, scores, certificate and guard verdict.
#pragma once

#include <string_view>

namespace certnn::serve {

std::string_view index_html();

}  // namespace certnn::serve

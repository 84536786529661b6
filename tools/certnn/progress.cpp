#include "progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <sstream>

namespace certnn::cli {
namespace {

// Columns of the terminal on stderr; a line as wide wraps, and "\r" would then redraw only its
// last row.
std::size_t terminal_columns() {
  winsize size{};
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 1) return size.ws_col;
  return 80;
}

}  // namespace

ProgressLine::ProgressLine(bool wanted) : shown_(wanted && isatty(STDERR_FILENO) == 1) {}

ProgressLine::~ProgressLine() { clear(); }

void ProgressLine::clear() {
  std::lock_guard lock(mutex_);
  if (!drawn_) return;
  std::cerr << "\r\033[K" << std::flush;  // carriage return, then erase to the end of the line
  drawn_ = false;
  next_ = Clock::time_point{};
}

void ProgressLine::draw(const std::string& text) {
  const std::size_t width = terminal_columns() - 1;
  std::cerr << "\r" << (text.size() > width ? text.substr(0, width) : text) << "\033[K" << std::flush;
  drawn_ = true;
}

std::string format_duration(double seconds) {
  std::ostringstream text;
  const long whole = std::lround(std::max(0.0, seconds));
  if (seconds < 60) {
    text << std::fixed << std::setprecision(1) << std::max(0.0, seconds) << " s";
  } else if (whole < 3600) {
    text << whole / 60 << " min " << std::setw(2) << std::setfill('0') << whole % 60 << " s";
  } else {
    text << whole / 3600 << " h " << std::setw(2) << std::setfill('0') << whole % 3600 / 60 << " min";
  }
  return text.str();
}

std::string describe(const verify::Progress& progress, double timeout_seconds) {
  return std::to_string(progress.subproblems) + " sub-problems bounded, " + std::to_string(progress.open) + " open, " +
         format_duration(progress.seconds) + " elapsed, " + format_duration(timeout_seconds - progress.seconds) +
         " left";
}

std::string describe(const train::RobustEvaluation& evaluation) {
  std::string text = std::to_string(evaluation.samples) + "/" + std::to_string(evaluation.requested) + " samples, clean " +
                     std::to_string(evaluation.clean_correct);
  if (evaluation.pgd_correct) text += ", pgd " + std::to_string(*evaluation.pgd_correct);
  return text + ", certified " + std::to_string(evaluation.certified);
}

}  // namespace certnn::cli

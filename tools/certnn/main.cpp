// certnn: sound bounds, verification, attacks and stability diagnostics for neural networks.
// Dispatches to one subcommand; every error becomes one line "certnn: ..." on stderr and exit 1.
#include <CLI/CLI.hpp>
#include <iostream>
#include <new>
#include <vector>

#include "certnn/core/error.hpp"
#include "commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"certnn: sound bounds and verification for neural networks", "certnn"};
  app.set_version_flag("--version", std::string("certnn ") + CERTNN_VERSION);
  app.require_subcommand(1);
  const std::vector<certnn::cli::Action> actions = {certnn::cli::register_info(app),
                                                    certnn::cli::register_eval(app)};
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "certnn: " << e.what() << " (see certnn --help)\n";
    return 1;
  }
  try {
    const auto commands = app.get_subcommands({});
    for (std::size_t i = 0; i < actions.size(); ++i)
      if (commands[i]->parsed()) actions[i]();
  } catch (const certnn::Error& e) {
    std::cerr << "certnn: " << e.what() << "\n";
    return 1;
  } catch (const std::bad_alloc&) {
    std::cerr << "certnn: out of memory\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "certnn: internal error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

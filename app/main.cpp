#include "app/cli.hpp"

int main(int argc, char** argv) {
  return tillroll::run_cli(argc, argv);
}

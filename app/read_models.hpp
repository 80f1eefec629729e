// The node's read models, each by name and by type: the node opens them
// all and reaches each one typed; `tillroll rebuild` opens one by name.
#pragma once

#include "events/expected.hpp"

#include <filesystem>
#include <memory>
#include <string_view>
#include <vector>

namespace tillroll {

class catalog;
class ledger_balances;
class order_history;
class projection;
class recommendations;
class search_index;
class stream_counts;

/// The read models of a node, typed; their projection runners own them.
struct read_models {
  const stream_counts* streams = nullptr;
  const ledger_balances* ledger = nullptr;
  const class catalog* catalog = nullptr;
  const search_index* search = nullptr;
  const order_history* orders = nullptr;
  const class recommendations* recommendations = nullptr;
};

/// The read models `rebuild` may rebuild, by name.
std::vector<std::string_view> read_model_names();

/// A fresh read model of that name, or null for an unknown name or one
/// whose store cannot be opened.
std::unique_ptr<projection>
make_read_model(std::string_view name,
                const std::filesystem::path& data_directory);

/// Every read model, fresh, in the order of read_model_names(), each also
/// noted in `typed`; a storage failure naming the first that cannot be
/// opened.
[[nodiscard]] expected<std::vector<std::unique_ptr<projection>>>
open_read_models(const std::filesystem::path& data_directory,
                 read_models& typed);

} // namespace tillroll

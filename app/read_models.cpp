#include "app/read_models.hpp"

#include "projections/catalog/catalog.hpp"
#include "projections/ledger/ledger_balances.hpp"
#include "projections/orders/order_history.hpp"
#include "projections/recommendations/recommendations.hpp"
#include "projections/search/search_index.hpp"
#include "projections/stream_counts/stream_counts.hpp"

#include <cassert>

namespace tillroll {

namespace {

template <class Model>
std::unique_ptr<Model> open_model(const std::filesystem::path&) {
  return std::make_unique<Model>();
}

template <>
std::unique_ptr<search_index>
open_model<search_index>(const std::filesystem::path& data_directory) {
  auto opened = search_index::open(data_directory / "search");
  if (!opened)
    return nullptr;
  return std::move(*opened);
}

/// Opens a `Model` and, given `typed`, notes it there as `member`.
template <class Model, const Model* read_models::*member>
std::unique_ptr<projection> open_typed(const std::filesystem::path& directory,
                                       read_models* typed) {
  auto model = open_model<Model>(directory);
  if (typed != nullptr)
    typed->*member = model.get();
  return model;
}

struct read_model_row {
  /// The projection's name (projection::name()).
  std::string_view name;
  std::unique_ptr<projection> (*open)(const std::filesystem::path& directory,
                                      read_models* typed);
};

constexpr read_model_row read_model_table[] = {
    {"stream_counts", open_typed<stream_counts, &read_models::streams>},
    {"ledger", open_typed<ledger_balances, &read_models::ledger>},
    {"catalog", open_typed<catalog, &read_models::catalog>},
    {"search", open_typed<search_index, &read_models::search>},
    {"orders", open_typed<order_history, &read_models::orders>},
    {"recommendations",
     open_typed<recommendations, &read_models::recommendations>},
};

} // namespace

std::vector<std::string_view> read_model_names() {
  std::vector<std::string_view> names;
  for (auto& row : read_model_table)
    names.push_back(row.name);
  return names;
}

std::unique_ptr<projection>
make_read_model(std::string_view name,
                const std::filesystem::path& data_directory) {
  for (auto& row : read_model_table)
    if (row.name == name)
      return row.open(data_directory, nullptr);
  return nullptr;
}

expected<std::vector<std::unique_ptr<projection>>>
open_read_models(const std::filesystem::path& data_directory,
                 read_models& typed) {
  std::vector<std::unique_ptr<projection>> models;
  for (auto& row : read_model_table) {
    auto model = row.open(data_directory, &typed);
    if (!model)
      return make_failure(errc::storage_failure,
                          "cannot open the " + std::string{row.name} +
                              " read model (is another node using it?)");
    assert(model->name() == row.name);
    models.push_back(std::move(model));
  }
  return models;
}

} // namespace tillroll

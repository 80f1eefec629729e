// A search_query as Xapian runs it: the text parsed with spelling
// correction, the filters, the popularity and recency boost, and the page
// of hits with exact facet counts.
#pragma once

#include "events/envelope.hpp"
#include "projections/search/search_documents.hpp"
#include "projections/search/search_index.hpp"

#include <xapian.h>

#include <memory>
#include <optional>
#include <string>

namespace tillroll::search_matching {

/// The text as a query, every match for blank text. A correction of a
/// misspelled word goes to `corrected` unless it is null.
/// Throws Xapian::QueryParserError for text it cannot parse.
Xapian::Query parse(Xapian::Database& database, const std::string& text,
                    std::optional<std::string>* corrected);

/// Runs `text` with the request's filters, order and page, the boost and
/// facet values read from `table`. Throws Xapian::Error.
search_result run(Xapian::Database& database, const search_query& request,
                  Xapian::Query text, timestamp now,
                  const std::shared_ptr<const document_table>& table);

/// The boost added to relevance-ordered queries, read from each document's
/// boost slot: what plain Xapian does, for the benchmark's peer.
Xapian::Query boost_query(timestamp now);

} // namespace tillroll::search_matching

#include "app/catalog_generator.hpp"

#include "actors/caf_error.hpp"
#include "actors/messages.hpp"
#include "actors/product/product_actor.hpp"

#include <caf/actor_system.hpp>
#include <caf/make_message.hpp>
#include <caf/scoped_actor.hpp>

#include <array>
#include <cstdio>
#include <optional>
#include <span>

namespace tillroll {

namespace {

/// splitmix64: fixed output on every platform, unlike std:: distributions.
class random_source {
public:
  explicit random_source(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  size_t below(size_t bound) { return static_cast<size_t>(next() % bound); }
  int64_t between(int64_t low, int64_t high) {
    return low +
           static_cast<int64_t>(next() % static_cast<uint64_t>(high - low + 1));
  }
  template <class T> const T& pick(std::span<const T> items) {
    return items[below(items.size())];
  }

private:
  uint64_t state_;
};

using words = std::span<const char* const>;

struct category_profile {
  const char* name;
  std::array<const char*, 6> brands;
  std::array<const char*, 6> nouns;
  std::array<const char*, 6> adjectives;
  const char* variant_attribute;
  std::array<const char*, 5> variant_values;
  int64_t price_low_cents;
  int64_t price_high_cents;
};

constexpr category_profile categories[] = {
    {"Electronics",
     {"Voltra", "Northwind", "Kestrel", "Lumio", "Auralis", "Zentek"},
     {"Headphones", "Speaker", "Charger", "Earbuds", "Smartwatch", "Webcam"},
     {"Wireless", "Portable", "Noise-Cancelling", "Compact", "Bluetooth",
      "Pro"},
     "color",
     {"Black", "White", "Silver", "Blue", "Red"},
     1500,
     40000},
    {"Computers",
     {"Zentek", "Cortex", "Apexa", "Kestrel", "Bytewise", "Northwind"},
     {"Laptop", "Keyboard", "Mouse", "Monitor", "Docking Station", "SSD"},
     {"Ultralight", "Mechanical", "Ergonomic", "Gaming", "4K", "Wireless"},
     "capacity",
     {"256GB", "512GB", "1TB", "2TB", "128GB"},
     2000,
     250000},
    {"Clothing",
     {"Fieldcraft", "Marlow", "Tidewear", "Urbana", "Alder & Co", "Peakline"},
     {"T-Shirt", "Hoodie", "Jacket", "Jeans", "Sweater", "Shorts"},
     {"Organic Cotton", "Slim Fit", "Waterproof", "Relaxed", "Merino",
      "Classic"},
     "size",
     {"XS", "S", "M", "L", "XL"},
     1200,
     18000},
    {"Shoes",
     {"Stridex", "Peakline", "Marlow", "Runova", "Trailhawk", "Urbana"},
     {"Running Shoes", "Sneakers", "Hiking Boots", "Sandals", "Loafers",
      "Trail Runners"},
     {"Lightweight", "Cushioned", "Leather", "Waterproof", "Breathable",
      "Vegan"},
     "size",
     {"38", "40", "42", "44", "46"},
     3000,
     22000},
    {"Home & Kitchen",
     {"Hearthly", "Copperline", "Nordhus", "Basil & Oak", "Kitchara", "Lumio"},
     {"Chef's Knife", "Frying Pan", "Coffee Grinder", "Kettle", "Blender",
      "Cutting Board"},
     {"Stainless Steel", "Cast Iron", "Non-Stick", "Electric", "Bamboo",
      "Professional"},
     "color",
     {"Black", "Steel", "Copper", "White", "Green"},
     900,
     30000},
    {"Sports & Outdoors",
     {"Trailhawk", "Summitra", "Peakline", "Riverstone", "Aerofit", "Kestrel"},
     {"Tent", "Backpack", "Yoga Mat", "Water Bottle", "Sleeping Bag",
      "Dumbbells"},
     {"Ultralight", "Insulated", "Two-Person", "Foldable", "Adjustable",
      "Trekking"},
     "color",
     {"Green", "Orange", "Grey", "Navy", "Black"},
     1000,
     45000},
    {"Books",
     {"Harbor Press", "Lanternfield", "Quill House", "Redwood Books",
      "Meridian", "Inkwell"},
     {"Cookbook", "Novel", "Field Guide", "Atlas", "Biography", "Workbook"},
     {"Illustrated", "Bestselling", "Annotated", "Pocket", "Complete",
      "Beginner's"},
     "format",
     {"Paperback", "Hardcover", "Ebook", "Large Print", "Boxed Set"},
     800,
     6000},
    {"Beauty",
     {"Lumiere", "Verdana Skin", "Botaniq", "Glowry", "Aquelle", "Maison Rose"},
     {"Moisturizer", "Serum", "Shampoo", "Lip Balm", "Sunscreen", "Face Mask"},
     {"Hydrating", "Fragrance-Free", "Vitamin C", "Organic", "Overnight",
      "SPF 50"},
     "volume",
     {"30ml", "50ml", "100ml", "200ml", "500ml"},
     500,
     9000},
};

constexpr const char* materials[] = {
    "aluminium", "cotton", "steel", "recycled plastic",
    "leather",   "bamboo", "glass", "wool"};
constexpr const char* uses[] = {"everyday use", "travel",
                                "the office",   "outdoor adventures",
                                "gifting",      "beginners and pros alike",
                                "small spaces", "long weekends"};

} // namespace

std::string generated_seller_id(size_t index) {
  char id[32];
  std::snprintf(id, sizeof id, "seller-%04zu", index);
  return id;
}

std::vector<generated_product>
generate_catalog(const catalog_generator_options& options) {
  random_source random{options.seed};
  std::vector<generated_product> out;
  out.reserve(options.products);
  for (size_t n = 0; n < options.products; ++n) {
    auto index = options.first_index + n;
    auto& profile = categories[random.below(std::size(categories))];
    auto brand = profile.brands[random.below(profile.brands.size())];
    auto noun = profile.nouns[random.below(profile.nouns.size())];
    auto adjective =
        profile.adjectives[random.below(profile.adjectives.size())];
    auto material = materials[random.below(std::size(materials))];
    auto use = uses[random.below(std::size(uses))];
    char model[16];
    std::snprintf(model, sizeof model, "%c%zu",
                  static_cast<char>('A' + random.below(26)),
                  100 + random.below(900));
    char product_id[32];
    std::snprintf(product_id, sizeof product_id, "p%07zu", index);

    generated_product product;
    product.product_id = product_id;
    auto& listing = product.listing;
    auto seller = options.sellers == 0 ? 0 : random.below(options.sellers);
    listing.seller_id =
        options.seller_ids.empty()
            ? generated_seller_id(seller)
            : options.seller_ids[seller % options.seller_ids.size()];
    listing.title =
        std::string{brand} + " " + adjective + " " + noun + " " + model;
    listing.description = std::string{"The "} + brand + " " + noun + " " +
                          model + " is a " + adjective + " " + noun +
                          " made with " + material + " for " + use + ".";
    listing.brand = brand;
    listing.category = profile.name;
    listing.attributes = {{"material", material}, {"model", model}};
    listing.images = {std::string{"https://img.tillroll.example/"} +
                      product_id + ".jpg"};
    auto base_price = random.between(profile.price_low_cents / 100,
                                     profile.price_high_cents / 100) *
                          100 -
                      1;
    auto variant_count = 1 + random.below(3);
    auto first_value = random.below(profile.variant_values.size());
    for (size_t v = 0; v < variant_count; ++v) {
      product_variant variant;
      variant.sku = std::string{product_id} + "-" + std::to_string(v + 1);
      variant.price_cents = base_price + static_cast<int64_t>(v) * 500;
      variant.currency = "USD";
      variant.attributes = {
          {profile.variant_attribute,
           profile.variant_values[(first_value + v) %
                                  profile.variant_values.size()]}};
      variant.initial_stock = random.below(100) < options.out_of_stock_percent
                                  ? 0
                                  : random.between(1, 200);
      listing.variants.push_back(std::move(variant));
    }
    out.push_back(std::move(product));
  }
  return out;
}

expected<size_t> list_catalog(caf::actor_system& system,
                              const caf::actor& registry,
                              const std::vector<generated_product>& products,
                              size_t in_flight) {
  caf::scoped_actor self{system};
  size_t sent = 0, answered = 0, listed = 0;
  std::optional<failure> failed;
  auto send_next = [&] {
    auto& product = products[sent++];
    self->send(
        registry, route_atom::value, std::string{product_entity::kind},
        product.product_id,
        caf::make_message(product_command{list_product{
            caller{product.listing.seller_id, role::seller},
            product.listing}}));
  };
  while (sent < products.size() && sent - answered < in_flight)
    send_next();
  while (answered < sent) {
    self->receive(
        [&](product_view&) { ++listed; },
        [&](caf::error& error) {
          if (!failed)
            failed = from_caf_error(error);
        },
        caf::after(std::chrono::seconds{60}) >>
            [&] {
              if (!failed)
                failed = failure{errc::timeout, "listing timed out", true};
            });
    ++answered;
    if (sent < products.size())
      send_next();
  }
  if (failed)
    return std::move(*failed);
  return listed;
}

} // namespace tillroll

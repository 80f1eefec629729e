// Accounts: sign-up and sign-in. Hashing runs on its own lane, so a flood
// of sign-ins waits there and nowhere else.
#include "actors/user/user_actor.hpp"
#include "http/api_internal.hpp"
#include "http/shared_schemas.hpp"

namespace tillroll {

namespace json = boost::json;

namespace {

struct account_context {
  actor_gateway actors;
  work_lane& password_lane;
  const token_signer& tokens;
  std::string admin_email;
  std::string user_id_key;
  std::chrono::seconds token_ttl;
  /// argon2id of the configured admin password, made once at start, so
  /// the admin's sign-in costs what everyone's does and its timing tells
  /// nothing; empty without an admin.
  std::string admin_password_hash;
  /// Checked against when there is no account, so that sign-in costs the
  /// same whether the email exists or not.
  std::string decoy_password_hash;
  rate_limits& limits;
  password_cost hashing;
};

const failure wrong_credentials{errc::unauthorized, "wrong email or password",
                                false};

/// What a sign-in answers with a right password.
using issue_token = std::function<void(principal)>;

/// Checks `password` against the account's hash on the hashing lane.
void check_account_password(const account_context& context,
                            const call_ptr& request, issue_token issue,
                            std::string user_id, std::string password,
                            user_view user) {
  context.password_lane.run(
      request, [request, issue = std::move(issue), user_id = std::move(user_id),
                password = std::move(password), user = std::move(user)] {
        if (!verify_password(user.password_hash, password))
          return request->fail(wrong_credentials);
        // An account's role is buyer or seller, checked when it registered.
        issue(principal{user_id, role_named(user.role).value_or(role::buyer)});
      });
}

/// No such account: as slow as a wrong password, so the answer's time
/// does not tell whether the account exists.
void refuse_unknown_account(const account_context& context,
                            const call_ptr& request, std::string password) {
  context.password_lane.run(
      request, [&context, request, password = std::move(password)] {
        verify_password(context.decoy_password_hash, password);
        request->fail(wrong_credentials);
      });
}

/// Not `format: email`: the server takes any address with a local part and
/// a domain around an @ (RFC 5322 allows more than a JSON Schema email
/// format checks), so a client-side format check would refuse answers the
/// server gives.
constexpr const char* email_rule =
    "an address with text on both sides of an @; trimmed and compared "
    "without case";

const schema& sign_up_schema() {
  static const schema shape = schema::named(
      "SignUp",
      schema::object(
          {required("email", schema::text(email_size_max, 3).about(email_rule)),
           required("password",
                    schema::text(password_size_max, password_size_min)
                        .format("password")),
           required("role", schema::choice({"buyer", "seller"}))})
          .example(json::object{{"email", "ann@example.com"},
                                {"password", "correct horse"},
                                {"role", "buyer"}}));
  return shape;
}

const schema& sign_in_schema() {
  static const schema shape = schema::named(
      "SignIn",
      schema::object(
          {required("email", schema::text(email_size_max)),
           required("password",
                    schema::text(password_size_max).format("password"))})
          .example(json::object{{"email", "ann@example.com"},
                                {"password", "correct horse"}}));
  return shape;
}

schema user_schema() {
  return schema::named(
      "User",
      schema::object({required("id", id_schema()),
                      required("email", schema::text().about(email_rule)),
                      required("role", schema::choice({"buyer", "seller"}))})
          .example(json::object{{"id", "u0567c97c630d6ea0d7ed26e46abe8e1d"},
                                {"email", "ann@example.com"},
                                {"role", "buyer"}}));
}

schema session_schema() {
  return schema::named(
      "Session",
      schema::object(
          {required("token", schema::text().about("send as Authorization: "
                                                  "Bearer <token>")),
           required("user_id", id_schema()),
           required("role", schema::choice({"buyer", "seller", "admin"})),
           required("expires_at", time_schema())})
          .example(
              json::object{{"token", "djF8dTA1NjdjOTdj...XeY"},
                           {"user_id", "u0567c97c630d6ea0d7ed26e46abe8e1d"},
                           {"role", "buyer"},
                           {"expires_at", "2026-12-02T20:33:43.645507Z"}}));
}

void create_user(const account_context& context, call_ptr request) {
  auto body = body_of(request, sign_up_schema());
  if (!body)
    return;
  auto email = text_of(*body, "email");
  auto password = text_of(*body, "password");
  auto role = text_of(*body, "role");
  auto address = normalized_email(email);
  if (address.find('@') == std::string::npos || address.front() == '@' ||
      address.back() == '@')
    return request->fail(errc::invalid_argument, "email is not an address");
  if (!context.admin_email.empty() &&
      same_secret(address, normalized_email(context.admin_email)))
    return request->fail(errc::conflict, "the email is taken");
  // An account of the first releases keeps its old id: the address is
  // taken if that one exists. No account gets an old id any more, so the
  // new id's actor alone keeps the address unique from here on.
  context.actors.ask_entity<user_entity>(
      legacy_user_id_for_email(address), get_user{},
      [&context, request, address, password = std::move(password),
       role = std::move(role)](expected<user_view> old_account) {
        if (old_account)
          return request->fail(errc::conflict, "the email is taken");
        if (old_account.error().code != errc::not_found)
          return request->fail(old_account.error());
        context.password_lane.run(
            request, [&context, request, address, password, role] {
              auto hash = hash_password(password, context.hashing);
              if (!hash)
                return request->fail(hash.error());
              auto user_id = user_id_for_email(context.user_id_key, address);
              context.actors.ask_entity<user_entity>(
                  user_id, register_user{address, std::move(*hash), role},
                  [request, user_id](expected<user_view> user) {
                    if (!user)
                      return request->fail(user.error());
                    request->json(201, json::object{{"id", user_id},
                                                    {"email", user->email},
                                                    {"role", user->role}});
                  });
            });
      });
}

void create_session(const account_context& context, call_ptr request) {
  auto body = body_of(request, sign_in_schema());
  if (!body)
    return;
  auto email = text_of(*body, "email");
  auto password = text_of(*body, "password");
  auto address = normalized_email(email);
  // Before any hash is checked: a guesser is slowed per account and per
  // client, and a flood costs no argon2 time.
  if (limited(request, context.limits.sign_in_per_address,
              request->request.client_address, "sign-in attempts from here") ||
      limited(request, context.limits.sign_in_per_email, address,
              "sign-in attempts for this email"))
    return;
  issue_token issue = [&context, request](principal who) {
    auto expires_at = now_timestamp() + context.token_ttl;
    auto token = context.tokens.issue(who, expires_at);
    request->json(
        200, json::object{{"token", token},
                          {"user_id", who.user_id},
                          {"role", role_name(who.role)},
                          {"expires_at",
                           iso_time(expires_at.time_since_epoch().count())}});
  };
  if (!context.admin_email.empty() &&
      same_secret(address, normalized_email(context.admin_email))) {
    // The admin is checked like everyone, against an argon2id hash.
    if (context.admin_password_hash.empty())
      return refuse_unknown_account(context, request, std::move(password));
    return check_account_password(
        context, request, std::move(issue), "admin", std::move(password),
        user_view{address, "admin", context.admin_password_hash});
  }
  auto user_id = user_id_for_email(context.user_id_key, address);
  context.actors.ask_entity<user_entity>(
      user_id, get_user{},
      [&context, request, issue, user_id, address,
       password = std::move(password)](expected<user_view> user) {
        if (user)
          return check_account_password(context, request, issue, user_id,
                                        password, std::move(*user));
        if (user.error().code != errc::not_found)
          return request->fail(user.error());
        // Registered by the first releases, under the old id?
        auto old_id = legacy_user_id_for_email(address);
        context.actors.ask_entity<user_entity>(
            old_id, get_user{},
            [&context, request, issue, old_id,
             password](expected<user_view> old_account) {
              if (old_account)
                return check_account_password(context, request, issue, old_id,
                                              password,
                                              std::move(*old_account));
              if (old_account.error().code != errc::not_found)
                return request->fail(old_account.error());
              refuse_unknown_account(context, request, password);
            });
      });
}

/// At the cost new accounts' hashes have, so that a sign-in costs the
/// same for an account, the admin and an unknown email.
std::string hash_or_empty(std::string_view password, password_cost cost) {
  initialize_crypto();
  auto hash = hash_password(password, cost);
  return hash ? std::move(*hash) : std::string{};
}

} // namespace

std::vector<route> account_routes(const route_sources& sources) {
  auto& settings = sources.settings;
  auto context = std::make_shared<const account_context>(account_context{
      sources.actors, sources.password_lane, sources.tokens,
      settings.admin_email, settings.user_id_key, settings.token_ttl,
      settings.admin_password.empty()
          ? std::string{}
          : hash_or_empty(settings.admin_password, settings.password_hashing),
      hash_or_empty("not a password anyone has", settings.password_hashing),
      sources.limits, settings.password_hashing});
  return {route{"POST",
                "/v1/users",
                access::anyone,
                bound<account_context>(context, create_user),
                "Create a buyer or seller account",
                {400, 409, 413, 415}}
              .takes(sign_up_schema())
              .gives(201, user_schema(), "The account"),
          route{"POST",
                "/v1/sessions",
                access::anyone,
                bound<account_context>(context, create_session),
                "Sign in: a bearer token",
                {400, 401, 413, 415, 429}}
              .takes(sign_in_schema())
              .gives(200, session_schema(), "A token for the account")};
}

} // namespace tillroll

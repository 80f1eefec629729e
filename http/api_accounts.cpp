// Accounts: sign-up and sign-in. Hashing runs on its own lane, so a flood
// of sign-ins waits there and nowhere else.
#include "actors/user/user_actor.hpp"
#include "http/api_internal.hpp"

namespace tillroll {

namespace json = boost::json;

namespace {

const failure wrong_credentials{errc::unauthorized, "wrong email or password",
                                false};

/// What a sign-in answers with a right password.
using issue_token = std::function<void(principal)>;

/// Checks `password` against the account's hash on the hashing lane.
void check_account_password(api::impl& api, const call_ptr& request,
                            issue_token issue, std::string user_id,
                            std::string password, user_view user) {
  api.password_lane.run(request, [request, issue = std::move(issue),
                                  user_id = std::move(user_id),
                                  password = std::move(password),
                                  user = std::move(user)] {
    if (!verify_password(user.password_hash, password))
      return request->fail(wrong_credentials);
    issue(principal{user_id, user.role});
  });
}

/// No such account: as slow as a wrong password, so the answer's time
/// does not tell whether the account exists.
void refuse_unknown_account(api::impl& api, const call_ptr& request,
                            std::string password) {
  api.password_lane.run(request, [&api, request,
                                  password = std::move(password)] {
    verify_password(api.decoy_password_hash, password);
    request->fail(wrong_credentials);
  });
}

} // namespace

void create_user(api::impl& api, call_ptr request) {
  auto body = body_of(request, {"email", "password", "role"});
  if (!body)
    return;
  auto email = text_field(*body, "email", email_size_max);
  auto password = text_field(*body, "password", password_size_max);
  auto role = text_field(*body, "role", 16);
  for (auto* field : {&email, &password, &role})
    if (!*field)
      return request->fail(field->error());
  auto address = normalized_email(*email);
  if (address.find('@') == std::string::npos || address.front() == '@' ||
      address.back() == '@')
    return request->fail(errc::invalid_argument, "email is not an address");
  if (*role != "buyer" && *role != "seller")
    return request->fail(errc::invalid_argument,
                         "role must be buyer or seller");
  if (password->size() < password_size_min)
    return request->fail(errc::invalid_argument,
                         "password must have at least 8 characters");
  if (!api.settings.admin_email.empty() &&
      same_secret(address, normalized_email(api.settings.admin_email)))
    return request->fail(errc::conflict, "the email is taken");
  // An account of the first releases keeps its old id: the address is
  // taken if that one exists. No account gets an old id any more, so the
  // new id's actor alone keeps the address unique from here on.
  ask_entity<user_entity>(
      api, legacy_user_id_for_email(address), get_user{},
      [&api, request, address, password = std::move(*password),
       role = std::move(*role)](expected<user_view> old_account) {
        if (old_account)
          return request->fail(errc::conflict, "the email is taken");
        if (old_account.error().code != errc::not_found)
          return request->fail(old_account.error());
        api.password_lane.run(request, [&api, request, address, password,
                                        role] {
          auto hash = hash_password(password);
          if (!hash)
            return request->fail(hash.error());
          auto user_id = user_id_for_email(api.settings.user_id_key, address);
          ask_entity<user_entity>(
              api, user_id, register_user{address, std::move(*hash), role},
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

void create_session(api::impl& api, call_ptr request) {
  auto body = body_of(request, {"email", "password"});
  if (!body)
    return;
  auto email = text_field(*body, "email", email_size_max);
  auto password = text_field(*body, "password", password_size_max);
  for (auto* field : {&email, &password})
    if (!*field)
      return request->fail(field->error());
  auto address = normalized_email(*email);
  issue_token issue = [&api, request](principal who) {
    auto expires_at = now_timestamp() + api.settings.token_ttl;
    auto token = api.tokens.issue(who, expires_at);
    request->json(
        200, json::object{{"token", token},
                          {"user_id", who.user_id},
                          {"role", who.role},
                          {"expires_at",
                           iso_time(expires_at.time_since_epoch().count())}});
  };
  if (!api.settings.admin_email.empty() &&
      same_secret(address, normalized_email(api.settings.admin_email))) {
    // The admin is checked like everyone, against an argon2id hash.
    if (api.admin_password_hash.empty())
      return refuse_unknown_account(api, request, std::move(*password));
    return check_account_password(api, request, std::move(issue), "admin",
                                  std::move(*password),
                                  user_view{address, "admin",
                                            api.admin_password_hash});
  }
  auto user_id = user_id_for_email(api.settings.user_id_key, address);
  ask_entity<user_entity>(
      api, user_id, get_user{},
      [&api, request, issue, user_id, address,
       password = std::move(*password)](expected<user_view> user) {
        if (user)
          return check_account_password(api, request, issue, user_id,
                                        password, std::move(*user));
        if (user.error().code != errc::not_found)
          return request->fail(user.error());
        // Registered by the first releases, under the old id?
        auto old_id = legacy_user_id_for_email(address);
        ask_entity<user_entity>(
            api, old_id, get_user{},
            [&api, request, issue, old_id,
             password](expected<user_view> old_account) {
              if (old_account)
                return check_account_password(api, request, issue, old_id,
                                              password,
                                              std::move(*old_account));
              if (old_account.error().code != errc::not_found)
                return request->fail(old_account.error());
              refuse_unknown_account(api, request, password);
            });
      });
}

} // namespace tillroll

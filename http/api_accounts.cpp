// Accounts: sign-up and sign-in. Hashing runs on the worker pool.
#include "actors/user/user_actor.hpp"
#include "http/api_internal.hpp"

namespace tillroll {

namespace json = boost::json;

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
  api.run_slow(request, [&api, request, address,
                         password = std::move(*password),
                         role = std::move(*role)] {
    auto hash = hash_password(password);
    if (!hash)
      return request->fail(hash.error());
    auto user_id = user_id_for_email(address);
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
  auto issue = [&api, request](principal who) {
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
    if (!api.settings.admin_password.empty() &&
        same_secret(*password, api.settings.admin_password))
      return issue(principal{"admin", "admin"});
    return request->fail(errc::unauthorized, "wrong email or password");
  }
  auto user_id = user_id_for_email(address);
  ask_entity<user_entity>(
      api, user_id, get_user{},
      [&api, request, issue, user_id,
       password = std::move(*password)](expected<user_view> user) {
        if (!user) {
          if (user.error().code != errc::not_found)
            return request->fail(user.error());
          // As slow as a wrong password, so the answer's time does not
          // tell whether the account exists.
          return api.run_slow(request, [request, password] {
            static const auto decoy = hash_password("not a real password");
            if (decoy)
              verify_password(*decoy, password);
            request->fail(errc::unauthorized, "wrong email or password");
          });
        }
        api.run_slow(request, [request, issue, user_id, password,
                               user = std::move(*user)] {
          if (!verify_password(user.password_hash, password))
            return request->fail(errc::unauthorized, "wrong email or password");
          issue(principal{user_id, user.role});
        });
      });
}

} // namespace tillroll

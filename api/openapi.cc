// The OpenAPI 3.0 description (GET /v1/openapi.json), made from the route table (routes.cc)
// and, for the events a request carries, from ledger/event.capnp (ledger/json_schema.h).
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "api/internal/server_impl.h"
#include "ledger/json_codec.h"
#include "ledger/json_schema.h"
#include "projections/event_kinds.h"

namespace caseledger::api {

using ledger::JsonQuote;
using namespace internal;

namespace {

// A query parameter's OpenAPI schema: its type, or the values it takes (an array of them for a
// comma-separated list).
std::string ParamSchema(const Param& p) {
  if (p.values.empty()) return "{\"type\":" + JsonQuote(p.type) + "}";
  std::string values = "[";
  for (size_t i = 0; i < p.values.size(); ++i) values += (i ? "," : "") + JsonQuote(p.values[i]);
  values += "]";
  const std::string one = "{\"type\":" + JsonQuote(p.type) + ",\"enum\":" + values + "}";
  return p.list ? "{\"type\":\"array\",\"items\":" + one + "}" : one;
}

// "getFamiliesByIdChronology" for GET /v1/families/{id}/chronology: unique per route.
std::string OperationId(const Route& r) {
  std::string out = r.method;
  std::transform(out.begin(), out.end(), out.begin(), ::tolower);
  size_t at = 0;
  const std::string path = r.path.starts_with("/v1/") ? r.path.substr(3) : r.path;
  while (at < path.size()) {
    size_t next = path.find_first_of("/-", at + 1);
    std::string part =
        path.substr(at + 1, next == std::string::npos ? std::string::npos : next - at - 1);
    at = next == std::string::npos ? path.size() : next;
    if (part.empty()) continue;
    if (part.front() == '{') part = "By" + part.substr(1, part.size() - 2);
    part[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(part[0])));
    out += part;
  }
  return out;
}

// The schemas of the append body, the events it carries (one per kind a request may carry,
// told apart by "type") and their data (read from ledger/event.capnp), and the error object.
std::string SchemaComponents() {
  // The ledger's own kinds (a read, an erasure) are never in a request.
  const ledger::EventSchemas described = ledger::DescribeEventData([](std::string_view type) {
    const projections::KindInfo* info = projections::FindKind(type);
    return info != nullptr && !info->by_ledger;
  });
  std::string out = described.components;
  std::string one_of, mapping;
  for (const ledger::EventKindSchema& k : described.kinds) {
    std::string name = k.type;
    name[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(name[0])));
    name += "Event";
    out +=
        "," + JsonQuote(name) +
        R"(:{"type":"object","additionalProperties":false,"required":["eventId","type","occurredAt","data"],)"
        R"("properties":{"eventId":{"type":"string","format":"uuid"},"type":{"type":"string","enum":[)" +
        JsonQuote(k.type) +
        R"(]},"occurredAt":{"type":"string","format":"date-time"},"data":{"$ref":"#/components/schemas/)" +
        k.schema + R"("}}})";
    one_of +=
        std::string(one_of.empty() ? "" : ",") + R"({"$ref":"#/components/schemas/)" + name + "\"}";
    mapping += std::string(mapping.empty() ? "" : ",") + JsonQuote(k.type) +
               R"(:"#/components/schemas/)" + name + "\"";
  }
  out += R"(,"EventDraft":{"oneOf":[)" + one_of +
         R"(],"discriminator":{"propertyName":"type","mapping":{)" + mapping + "}}}";
  out +=
      R"(,"AppendRequest":{"type":"object","additionalProperties":false,"required":["expectedVersion","events"],)"
      R"("properties":{"expectedVersion":{"oneOf":[{"type":"integer","minimum":0},{"type":"string","enum":["any"]}]},)"
      R"("events":{"type":"array","minItems":1,"items":{"$ref":"#/components/schemas/EventDraft"}}}})";
  // Answers described so far (each checked against the server's in tests/web/openapi_test.cjs).
  out +=
      R"(,"Health":{"type":"object","additionalProperties":false,"required":["status","size","root"],)"
      R"("properties":{"status":{"type":"string","enum":["ok"]},"size":{"type":"integer","minimum":0},)"
      R"("root":{"type":"string","pattern":"^[0-9a-f]{64}$"}}})"
      R"(,"Session":{"type":"object","additionalProperties":false,)"
      R"("required":["actorId","role","tokenId","marking","purposeRequired"],"properties":{)"
      R"("actorId":{"type":"string"},"role":{"type":"string","enum":["practitioner","helpdesk",)"
      R"("triage-manager","coordinator","auditor","dashboard","admin"]},"tokenId":{"type":"string"},)"
      R"("marking":{"type":"string","minLength":1,"maxLength":60},"purposeRequired":{"type":"boolean"}}})"
      R"(,"FamiliesFound":{"type":"object","additionalProperties":false,"required":["query","families","more"],)"
      R"("properties":{"query":{"type":"string"},"more":{"type":"boolean"},"families":{"type":"array",)"
      R"("maxItems":20,"items":{"type":"object","additionalProperties":false,)"
      R"("required":["familyId","matched","openEpisodeId","erased","members"],"properties":{)"
      R"("familyId":{"type":"string"},"matched":{"type":"string","enum":["familyId","name","dateOfBirth"]},)"
      R"("openEpisodeId":{"type":"string","nullable":true},"erased":{"type":"boolean"},)"
      R"("members":{"type":"array","items":{"type":"object","additionalProperties":false,)"
      R"("required":["name","role","dateOfBirth"],"properties":{"name":{"type":"string"},)"
      R"("role":{"type":"string"},"dateOfBirth":{"type":"string","nullable":true}}}}}}}}})";
  out +=
      R"(,"Error":{"type":"object","required":["error"],"properties":{"error":{"type":"object",)"
      R"("required":["code","message"],"properties":{"code":{"type":"string"},"message":{"type":"string"},)"
      R"("field":{"type":"string"},"rule":{"type":"string"},"details":{"type":"object"},)"
      R"("currentVersion":{"type":"integer"},"seq":{"type":"integer"},"allowed":{"type":"array","items":{"type":"string"}}}}}})";
  return out;
}

// A refusal's answer: its words and the error object.
std::string Refusal(const std::string& status, const std::string& description) {
  return "," + JsonQuote(status) + ":{\"description\":" + JsonQuote(description) +
         R"(,"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}})";
}

}  // namespace

std::string Server::Impl::OpenApi() const {
  std::map<std::string, std::vector<const Route*>> by_path;
  for (const Route& r : routes_) by_path[r.path].push_back(&r);
  std::string out =
      "{\"openapi\":\"3.0.3\",\"info\":{\"title\":\"caseledger\",\"version\":\"1\","
      "\"description\":\"The audit ledger of early help case records. docs/events.md lists "
      "every event kind and its data, docs/api.md every route; errors are {\\\"error\\\": "
      "{\\\"code\\\", \\\"message\\\", ...}}.\"},"
      "\"servers\":[{\"url\":\"/\",\"description\":\"this server\"}],"
      "\"security\":[{\"bearer\":[]}],"
      "\"components\":{\"securitySchemes\":{\"bearer\":{\"type\":\"http\",\"scheme\":"
      "\"bearer\"}},\"schemas\":{" +
      SchemaComponents() + "}},\"paths\":{";
  bool first_path = true;
  for (const auto& [path, routes] : by_path) {
    out += (first_path ? "" : ",") + JsonQuote(path) + ":{";
    first_path = false;
    for (size_t i = 0; i < routes.size(); ++i) {
      const Route& r = *routes[i];
      std::string method = r.method;
      std::transform(method.begin(), method.end(), method.begin(), ::tolower);
      out += (i ? "," : "") + JsonQuote(method) + ":{\"operationId\":" + JsonQuote(OperationId(r)) +
             ",\"summary\":" + JsonQuote(r.summary);
      out += ",\"x-roles\":[";
      for (size_t k = 0; k < r.roles.size(); ++k)
        out += (k ? "," : "") + JsonQuote(RoleName(r.roles[k]));
      out += "]";
      // The document's security (a bearer token) holds for every route but the open ones.
      out += r.roles.empty() ? ",\"security\":[]" : ",\"security\":[{\"bearer\":[]}]";
      out += ",\"parameters\":[";
      bool first = true;
      for (const auto& name : PathParams(r.path)) {
        out += (first ? "" : ",") + std::string("{\"name\":") + JsonQuote(name) +
               ",\"in\":\"path\",\"required\":true,\"schema\":{\"type\":\"string\"}}";
        first = false;
      }
      for (const Param& p : r.params) {
        out += (first ? "" : ",") + std::string("{\"name\":") + JsonQuote(p.name) +
               ",\"in\":\"query\",\"required\":" + (p.required ? "true" : "false") +
               ",\"description\":" + JsonQuote(p.description) + ",\"schema\":" + ParamSchema(p) +
               (p.list ? ",\"style\":\"form\",\"explode\":false}" : "}");
        first = false;
      }
      out += "]";
      const bool appends = r.method == "POST" && r.path.ends_with("/events");
      if (!r.body.empty()) {
        const bool document = r.method == "POST" && r.path.ends_with("/documents");
        out += ",\"requestBody\":{\"required\":true,\"description\":" + JsonQuote(r.body) +
               ",\"content\":{\"" +
               std::string(document ? "application/octet-stream" : "application/json") +
               "\":{\"schema\":" +
               (appends    ? R"({"$ref":"#/components/schemas/AppendRequest"})"
                : document ? R"({"type":"string","format":"binary"})"
                           : R"({"type":"object"})") +
               "}}}";
      }
      out +=
          ",\"responses\":{\"200\":{\"description\":\"the answer\",\"content\":{" +
          JsonQuote(r.answers) + ":" +
          (r.schema.empty() ? std::string("{}")
                            : R"({"schema":{"$ref":"#/components/schemas/)" + r.schema + R"("}})") +
          "}}";
      if (r.method == "POST") out += ",\"201\":{\"description\":\"appended or stored\"}";
      out += Refusal("400", "malformed: error.field names it");
      if (!r.roles.empty()) {
        out += Refusal("401", "no or bad token") + Refusal("403", "role not allowed");
      }
      if (appends) {
        out += Refusal("409", "expected version differs: error.currentVersion") +
               Refusal("413", "body over the limit") +
               Refusal("422", "a domain rule refused it: error.rule (docs/domain.md)");
      }
      if (r.method == "POST" && r.path.ends_with("/documents")) {
        out += Refusal("415", "a media type off the allow-list: error.allowed");
      }
      if (ExpensiveRequest(r.method, r.path, {{"asOf", ""}, {"format", "csv"}})) {
        out +=
            Refusal("429", "the token's expensive requests are used up: wait Retry-After seconds");
      }
      out += Refusal("404", "not found") + Refusal("503", "the ledger cannot answer now") + "}}";
    }
    out += "}";
  }
  return out + "}}";
}

}  // namespace caseledger::api

package web

import (
	"net/http"
	"regexp"
	"strings"

	"custodian/auth"
)

var pathParam = regexp.MustCompile(`\{([a-z]+)\}`)

// OpenAPI returns the OpenAPI 3.1 document of the JSON API, built from the route table:
// every API route, its access (operations that need no login carry the tag "public"; the
// others name the action they need), its parameters and errors.
func (s *Server) OpenAPI() map[string]any {
	paths := map[string]any{}
	for _, rt := range s.table {
		if !rt.api {
			continue
		}
		p, _ := paths[rt.pattern].(map[string]any)
		if p == nil {
			p = map[string]any{}
			paths[rt.pattern] = p
		}
		tag := "console"
		switch {
		case rt.access == accessPublic:
			tag = "public"
		case strings.HasPrefix(rt.pattern, "/media/"):
			tag = "media"
		}
		op := map[string]any{
			"operationId": operationID(rt.method, rt.pattern),
			"summary":     rt.summary,
			"tags":        []string{tag},
			"responses": map[string]any{
				"200": map[string]any{"description": "OK"},
				"400": map[string]any{"$ref": "#/components/responses/Error"},
				"404": map[string]any{"$ref": "#/components/responses/Error"},
			},
		}
		if rt.method == "POST" {
			op["responses"].(map[string]any)["201"] = map[string]any{"description": "Created"}
		}
		var params []any
		for _, m := range pathParam.FindAllStringSubmatch(rt.pattern, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		if rt.access == accessPublic {
			op["security"] = []any{}
		} else {
			op["security"] = []any{map[string]any{"session": []string{}}}
			op["responses"].(map[string]any)["401"] = map[string]any{"$ref": "#/components/responses/Error"}
			op["responses"].(map[string]any)["403"] = map[string]any{"$ref": "#/components/responses/Error"}
			need := "a logged-in account (any role)"
			if rt.access == accessAction {
				need = "the action `" + string(rt.action) + "`"
				switch rt.scope {
				case scopeOrg:
					need += " over the whole organisation"
				case scopeSome:
					need += " over some of it (results are limited to the caller's scope)"
				case scopeCamera:
					need += " on the camera"
				}
				if isFootage(rt.action) {
					need += "; a second factor; every opening is written to the access log with its purpose"
				}
			}
			op["description"] = "Requires " + need + ". Requests that change something carry the X-CSRF-Token header (from POST /api/session or GET /api/me)."
			op["x-custodian-action"] = string(rt.action)
		}
		switch rt.body {
		case "json":
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"type": "object"}}}}
		case "yaml":
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
				"application/yaml": map[string]any{"schema": map[string]any{"type": "string"}},
				"application/json": map[string]any{"schema": map[string]any{"type": "object"}}}}
		}
		p[strings.ToLower(rt.method)] = op
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": "Custodian API", "version": "1",
			"description": "The JSON API of the Custodian console and portal. Errors are {\"error\":{\"code\",\"message\",\"message_en\",\"problems\"}}. Korean messages by default; ?lang=en for English."},
		"tags": []any{
			map[string]any{"name": "public", "description": "needs no login"},
			map[string]any{"name": "console", "description": "needs a session; see each operation's action (docs/PERMISSIONS.md)"},
			map[string]any{"name": "media", "description": "footage for an opening made with a purpose"},
		},
		"paths": paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{"session": map[string]any{"type": "apiKey", "in": "cookie", "name": sessionCookie}},
			"responses": map[string]any{"Error": map[string]any{"description": "an error", "content": map[string]any{"application/json": map[string]any{"schema": map[string]any{
				"type": "object", "properties": map[string]any{"error": map[string]any{"type": "object", "properties": map[string]any{
					"code": map[string]any{"type": "string"}, "message": map[string]any{"type": "string"}, "message_en": map[string]any{"type": "string"},
					"problems": map[string]any{"type": "array"}}}}}}}}},
		},
	}
}

func operationID(method, pattern string) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(method))
	for _, part := range strings.Split(pattern, "/") {
		part = strings.Trim(part, "{}")
		part = strings.NewReplacer(".", "", "-", "").Replace(part)
		if part == "" || part == "api" {
			continue
		}
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request, c *call) {
	writeJSON(w, http.StatusOK, s.OpenAPI())
}

var _ = auth.Actions

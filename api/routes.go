package api

import "net/http"

func (h *handlers) listRoutes(w http.ResponseWriter, r *http.Request) {
	routes, err := h.svc.ListRoutes(r.Context())
	h.reply(w, http.StatusOK, list(routes), err)
}

func (h *handlers) resolveRoute(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	route, err := h.svc.ResolveRoute(r.Context(), q.Get("model"), q.Get("dialect"))
	h.reply(w, http.StatusOK, route, err)
}

package service

import "github.com/sluicegate/sluicegate/model"

// presets prefill "Add provider". Base URLs follow API.md §2: what an
// OpenAI SDK's base URL would be for openai types, the host for anthropic.
// A model picked from a preset maps to itself; Anthropic's "claude-*" is a
// pattern (claude-* → claude-*) that passes every Claude model name on as
// sent, so a client's new model names (Claude Code changes them with each
// release) keep routing.
var presets = []model.Preset{
	{ID: "openai", Name: "OpenAI", Type: model.TypeOpenAI, BaseURL: "https://api.openai.com/v1", KeyHint: "sk-…", DocsURL: "https://platform.openai.com/docs/api-reference", Models: []string{"gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "o3-mini"}},
	{ID: "anthropic", Name: "Anthropic", Type: model.TypeAnthropic, BaseURL: "https://api.anthropic.com", KeyHint: "sk-ant-…", DocsURL: "https://docs.anthropic.com/en/api", Models: []string{"claude-*", "claude-sonnet-4-5", "claude-opus-4-1", "claude-3-5-haiku-latest"}},
	{ID: "openrouter", Name: "OpenRouter", Type: model.TypeOpenAI, BaseURL: "https://openrouter.ai/api/v1", KeyHint: "sk-or-…", DocsURL: "https://openrouter.ai/docs", Models: []string{"openai/gpt-4o", "anthropic/claude-sonnet-4.5", "google/gemini-2.5-flash", "meta-llama/llama-3.3-70b-instruct"}},
	{ID: "groq", Name: "Groq", Type: model.TypeOpenAI, BaseURL: "https://api.groq.com/openai/v1", KeyHint: "gsk_…", DocsURL: "https://console.groq.com/docs", Models: []string{"llama-3.3-70b-versatile", "llama-3.1-8b-instant"}},
	{ID: "deepseek", Name: "DeepSeek", Type: model.TypeOpenAI, BaseURL: "https://api.deepseek.com/v1", KeyHint: "sk-…", DocsURL: "https://api-docs.deepseek.com", Models: []string{"deepseek-chat", "deepseek-reasoner"}},
	{ID: "mistral", Name: "Mistral", Type: model.TypeOpenAI, BaseURL: "https://api.mistral.ai/v1", DocsURL: "https://docs.mistral.ai/api", Models: []string{"mistral-large-latest", "mistral-small-latest", "codestral-latest"}},
	{ID: "together", Name: "Together", Type: model.TypeOpenAI, BaseURL: "https://api.together.xyz/v1", DocsURL: "https://docs.together.ai", Models: []string{"meta-llama/Llama-3.3-70B-Instruct-Turbo", "Qwen/Qwen2.5-72B-Instruct-Turbo"}},
	{ID: "ollama", Name: "Ollama (local)", Type: model.TypeOpenAI, BaseURL: "http://127.0.0.1:11434/v1", Local: true, DocsURL: "https://github.com/ollama/ollama/blob/main/docs/openai.md", Models: []string{}},
	{ID: "lmstudio", Name: "LM Studio (local)", Type: model.TypeOpenAI, BaseURL: "http://127.0.0.1:1234/v1", Local: true, DocsURL: "https://lmstudio.ai/docs", Models: []string{}},
	{ID: "vllm", Name: "vLLM (local)", Type: model.TypeOpenAI, BaseURL: "http://127.0.0.1:8000/v1", Local: true, DocsURL: "https://docs.vllm.ai", Models: []string{}},
}

// Presets returns the provider templates for "Add provider". Each is a
// copy, so a caller cannot change the templates through Models.
func (s *Service) Presets() []model.Preset {
	out := make([]model.Preset, len(presets))
	for i, p := range presets {
		p.Models = append([]string{}, p.Models...)
		out[i] = p
	}
	return out
}

package service

import "github.com/sluicegate/sluicegate/model"

// presets prefill "Add provider". Base URLs follow API.md §2: what an
// OpenAI SDK's base URL would be for openai types, the host for anthropic.
var presets = []model.Preset{
	{ID: "openai", Name: "OpenAI", Type: model.TypeOpenAI, BaseURL: "https://api.openai.com/v1", KeyHint: "sk-…", DocsURL: "https://platform.openai.com/docs/api-reference"},
	{ID: "anthropic", Name: "Anthropic", Type: model.TypeAnthropic, BaseURL: "https://api.anthropic.com", KeyHint: "sk-ant-…", DocsURL: "https://docs.anthropic.com/en/api"},
	{ID: "openrouter", Name: "OpenRouter", Type: model.TypeOpenAI, BaseURL: "https://openrouter.ai/api/v1", KeyHint: "sk-or-…", DocsURL: "https://openrouter.ai/docs"},
	{ID: "groq", Name: "Groq", Type: model.TypeOpenAI, BaseURL: "https://api.groq.com/openai/v1", KeyHint: "gsk_…", DocsURL: "https://console.groq.com/docs"},
	{ID: "deepseek", Name: "DeepSeek", Type: model.TypeOpenAI, BaseURL: "https://api.deepseek.com/v1", KeyHint: "sk-…", DocsURL: "https://api-docs.deepseek.com"},
	{ID: "mistral", Name: "Mistral", Type: model.TypeOpenAI, BaseURL: "https://api.mistral.ai/v1", DocsURL: "https://docs.mistral.ai/api"},
	{ID: "together", Name: "Together", Type: model.TypeOpenAI, BaseURL: "https://api.together.xyz/v1", DocsURL: "https://docs.together.ai"},
	{ID: "ollama", Name: "Ollama (local)", Type: model.TypeOpenAI, BaseURL: "http://127.0.0.1:11434/v1", Local: true, DocsURL: "https://github.com/ollama/ollama/blob/main/docs/openai.md"},
	{ID: "lmstudio", Name: "LM Studio (local)", Type: model.TypeOpenAI, BaseURL: "http://127.0.0.1:1234/v1", Local: true, DocsURL: "https://lmstudio.ai/docs"},
	{ID: "vllm", Name: "vLLM (local)", Type: model.TypeOpenAI, BaseURL: "http://127.0.0.1:8000/v1", Local: true, DocsURL: "https://docs.vllm.ai"},
}

// Presets returns the provider templates for "Add provider".
func (s *Service) Presets() []model.Preset {
	return append([]model.Preset(nil), presets...)
}

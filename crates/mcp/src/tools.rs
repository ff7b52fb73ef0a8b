//! The tools table, generated from the spec at build time (build.rs), and
//! its MCP form.
use rmcp::model::{JsonObject, Tool, ToolAnnotations};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::sync::{Arc, LazyLock};

/// How a tool runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// `Client::call(operation, arguments + fixed)`.
    Call,
    /// The chat stream, collected into one reply.
    ChatSend,
    /// The log tail, bounded by `max_lines` and `max_seconds`.
    LogsTail,
    /// `Client::deploy_folder` on a local folder (creating the function when needed).
    DeployFolder,
    /// `Client::upload_folder`: the multipart operation from a local folder.
    UploadFolder,
}

/// One row of the table.
#[derive(Debug, Clone, Deserialize)]
pub struct ToolSpec {
    pub name: String,
    pub title: String,
    pub description: String,
    pub kind: Kind,
    /// The spec's operationId the tool runs through the core.
    pub operation: String,
    /// Params merged into every call (`x-sdk-also` params).
    pub fixed: Map<String, Value>,
    pub input_schema: Map<String, Value>,
    pub read_only: bool,
    pub destructive: bool,
    pub idempotent: bool,
}

const TABLE: &str = include_str!(concat!(env!("OUT_DIR"), "/tools.json"));

/// Every tool, in the spec's order.
pub static TOOLS: LazyLock<Vec<ToolSpec>> = LazyLock::new(|| serde_json::from_str(TABLE).expect("build.rs writes a valid tools table"));

/// The tool called `name`.
pub fn find(name: &str) -> Option<&'static ToolSpec> {
    TOOLS.iter().find(|t| t.name == name)
}

impl ToolSpec {
    /// The tool as `tools/list` shows it.
    pub fn to_mcp(&self) -> Tool {
        let schema: JsonObject = self.input_schema.clone();
        let mut annotations = ToolAnnotations::with_title(self.title.clone()).read_only(self.read_only);
        if !self.read_only {
            // Meaningful only for tools that change something.
            annotations = annotations.destructive(self.destructive).idempotent(self.idempotent);
        }
        // Every tool talks to the FlowEngine service, a world outside the client.
        annotations = annotations.open_world(true);
        Tool::new(self.name.clone(), self.description.clone(), Arc::new(schema)).with_title(self.title.clone()).with_annotations(annotations)
    }
}

/// The MCP form of every tool.
pub fn list() -> Vec<Tool> {
    TOOLS.iter().map(ToolSpec::to_mcp).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowengine::dispatch::OPERATIONS;

    #[test]
    fn every_operation_has_a_tool_named_from_its_group_and_method() {
        for op in OPERATIONS {
            let name = format!("{}_{}", op.group.replace('.', "_"), op.name);
            if op.stream.as_ref().is_some_and(|s| s.when.is_empty()) {
                // A stream-only operation (chat) is offered collected.
                assert!(TOOLS.iter().any(|t| t.operation == op.id && t.kind == Kind::ChatSend), "{}", op.id);
                continue;
            }
            let tool = find(&name).unwrap_or_else(|| panic!("no tool {name} for {}", op.id));
            assert_eq!(tool.operation, op.id);
        }
        for name in ["chat_send", "functions_logs_tail", "functions_deploy_folder", "functions_upload_folder", "functions_request_upload"] {
            assert!(find(name).is_some(), "{name}");
        }
    }

    #[test]
    fn hints_follow_the_method() {
        assert!(find("functions_list").unwrap().read_only);
        assert!(find("functions_logs_tail").unwrap().read_only);
        for name in ["functions_delete", "chats_delete", "functions_domain_remove", "instances_manage", "n8n_instances_manage"] {
            let t = find(name).unwrap();
            assert!(t.destructive && !t.read_only, "{name}");
        }
        // What overwrites existing state: PUT, PATCH, and a POST that says it replaces or redeploys.
        for name in [
            "functions_source_update",
            "functions_secrets_set",
            "functions_update",
            "functions_billing_update",
            "instances_update_config",
            "instances_update_domain",
            "whatsapp_sessions_set_webhook",
            "provision_website",
        ] {
            let t = find(name).unwrap();
            assert!(t.destructive && !t.read_only, "{name}");
        }
        // What only adds.
        for name in ["functions_create", "functions_deploy_folder", "chat_send", "functions_domain_add", "instances_backups_create", "functions_billing_verify_card"] {
            let t = find(name).unwrap();
            assert!(!t.destructive && !t.read_only, "{name}");
        }
        let mcp = find("functions_delete").unwrap().to_mcp();
        let a = mcp.annotations.unwrap();
        assert_eq!((a.read_only_hint, a.destructive_hint), (Some(false), Some(true)));
    }

    #[test]
    fn schemas_are_closed_objects_without_refs_or_openapi_keywords() {
        for t in TOOLS.iter() {
            assert_eq!(t.input_schema["type"], "object", "{}", t.name);
            let text = Value::Object(t.input_schema.clone()).to_string();
            for word in ["$ref", "\"nullable\"", "\"example\"", "\"x-"] {
                assert!(!text.contains(word), "{}: {word} in {text}", t.name);
            }
        }
        let create = find("functions_create").unwrap();
        assert_eq!(create.input_schema["additionalProperties"], false);
        assert_eq!(create.input_schema["required"], serde_json::json!(["name", "runtime"]));
        assert_eq!(create.input_schema["properties"]["base_image"]["type"], serde_json::json!(["string", "null"]));
        let env = &find("instances_update_config").unwrap().input_schema["properties"]["envVars"];
        assert_eq!(env["propertyNames"]["pattern"], "^[A-Za-z0-9_]{1,100}$");
        assert!(find("instances_update_config").unwrap().input_schema["required"] == serde_json::json!(["instanceId"]));
        // The stream mode's switches are not offered on the list tool.
        let logs = find("functions_logs_list").unwrap();
        assert_eq!(logs.input_schema["properties"].as_object().unwrap().keys().collect::<Vec<_>>(), vec!["id"]);
        // request_upload is the deploy operation without its body.
        let ru = find("functions_request_upload").unwrap();
        assert_eq!(ru.operation, "deployFunction");
        assert!(ru.input_schema["properties"].get("sourceTarball").is_none());
        // The helpers take a local path.
        for name in ["functions_deploy_folder", "functions_upload_folder"] {
            assert_eq!(find(name).unwrap().input_schema["required"], serde_json::json!(["path"]), "{name}");
        }
        assert!(find("email_send").unwrap().description.contains("at least one of: html, text"));
    }
}

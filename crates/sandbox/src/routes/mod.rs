//! One module per group of the API; `handler` maps every operationId of the
//! spec to its handler (the router refuses to start if one is missing).

use futures::future::BoxFuture;

use crate::error::ApiResult;
use crate::request::Req;
use crate::state::AppState;

pub mod account;
pub mod admin;
pub mod billing;
pub mod chat;
pub mod chats;
pub mod deploy;
pub mod domain;
pub mod email;
pub mod functions;
pub mod instances;
pub mod logs;
pub mod n8n;
pub mod provision;
pub mod secrets;
pub mod source;
pub mod storage;
pub mod whatsapp;

pub type Handler = fn(AppState, Req) -> BoxFuture<'static, ApiResult>;

macro_rules! h {
    ($f:path) => {
        |st, rq| Box::pin($f(st, rq))
    };
}

pub fn handler(operation_id: &str) -> Option<Handler> {
    Some(match operation_id {
        "listFunctions" => h!(functions::list),
        "createFunction" => h!(functions::create),
        "getFunction" => h!(functions::get),
        "updateFunction" => h!(functions::update),
        "deleteFunction" => h!(functions::delete),
        "deployFunction" => h!(deploy::deploy),
        "uploadFunctionFolder" => h!(deploy::upload_folder),
        "deployFunctionFromGithub" => h!(deploy::github),
        "forkFunctionTemplate" => h!(deploy::fork_template),
        "getFunctionSource" => h!(source::get),
        "updateFunctionSource" => h!(source::update),
        "getFunctionLogs" => h!(logs::get),
        "listFunctionSecrets" => h!(secrets::list),
        "setFunctionSecret" => h!(secrets::set),
        "deleteFunctionSecret" => h!(secrets::delete),
        "addFunctionDomain" => h!(domain::add),
        "getFunctionDomain" => h!(domain::get),
        "removeFunctionDomain" => h!(domain::remove),
        "getFunctionsUsage" => h!(billing::usage),
        "getFunctionsLimits" => h!(billing::limits),
        "getFunctionsBilling" => h!(billing::get),
        "updateFunctionsBilling" => h!(billing::update),
        "verifyFunctionsCard" => h!(billing::verify_card),
        "chat" => h!(chat::chat),
        "getUser" => h!(account::user),
        "getCredits" => h!(account::credits),
        "listChats" => h!(chats::list),
        "createChat" => h!(chats::create),
        "getChat" => h!(chats::get),
        "deleteChat" => h!(chats::delete),
        "createN8nInstance" => h!(n8n::create),
        "listN8nInstances" => h!(n8n::list),
        "getN8nInstance" => h!(n8n::get),
        "deleteN8nInstance" => h!(n8n::delete),
        "manageN8nInstance" => h!(n8n::manage),
        "getN8nInstanceLogs" => h!(n8n::logs),
        "listInstances" => h!(instances::list),
        "getInstanceStatus" => h!(instances::status),
        "manageInstance" => h!(instances::manage),
        "getInstanceLogs" => h!(instances::logs),
        "listInstanceDeployments" => h!(instances::deployments),
        "updateInstanceConfig" => h!(instances::update_config),
        "updateInstanceDomain" => h!(instances::update_domain),
        "listInstanceBackups" => h!(instances::list_backups),
        "createInstanceBackup" => h!(instances::create_backup),
        "provisionN8n" => h!(provision::n8n),
        "provisionOpenclaw" => h!(provision::openclaw),
        "provisionWebsite" => h!(provision::website),
        "createWhatsappSession" => h!(whatsapp::create),
        "listWhatsappSessions" => h!(whatsapp::list),
        "getWhatsappSession" => h!(whatsapp::get),
        "deleteWhatsappSession" => h!(whatsapp::delete),
        "setWhatsappWebhook" => h!(whatsapp::set_webhook),
        "listEmailSenders" => h!(email::senders),
        "sendEmail" => h!(email::send),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_operation_has_a_handler() {
        let spec = crate::spec::Spec::load().unwrap();
        for op in &spec.operations {
            assert!(super::handler(&op.id).is_some(), "{} has no handler", op.id);
        }
    }
}

//! Placeholder: the napi addon arrives with issue 6.

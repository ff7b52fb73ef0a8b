//! Python objects <-> JSON values, walked directly (no text in between).
//! Params accept dicts, lists, tuples, str (and str enums), int, float,
//! bool, None, and any object with a `to_dict()` (the generated models);
//! a str at the top level is read as JSON text.
use crate::errors::{invalid_argument, to_py_err};
use flowengine::Error;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::{Map, Number, Value};

const MAX_DEPTH: usize = 64;

/// Params of `call()` / `stream()`: a mapping, a JSON string, or None.
pub fn params_from_py(obj: Option<&Bound<'_, PyAny>>) -> Result<Value, Error> {
    let Some(obj) = obj else { return Ok(Value::Object(Map::new())) };
    if obj.is_none() {
        return Ok(Value::Object(Map::new()));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        let text = s.to_cow().map_err(|e| invalid_argument("params", format!("params are not valid text: {e}")))?;
        return serde_json::from_str(&text).map_err(|e| invalid_argument("params", format!("params are not valid JSON: {e}")));
    }
    value_from_py(obj, "params", 0)
}

fn value_from_py(obj: &Bound<'_, PyAny>, at: &str, depth: usize) -> Result<Value, Error> {
    if depth > MAX_DEPTH {
        return Err(invalid_argument(at, format!("`{at}` is nested too deeply")));
    }
    if obj.is_none() {
        return Ok(Value::Null);
    }
    // bool before int: bool is a subclass of int.
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        let text = s.to_cow().map_err(|e| invalid_argument(at, format!("`{at}` is not valid text: {e}")))?;
        return Ok(Value::String(text.into_owned()));
    }
    if obj.cast::<PyInt>().is_ok() {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Value::Number(i.into()));
        }
        if let Ok(u) = obj.extract::<u64>() {
            return Ok(Value::Number(u.into()));
        }
        return Err(invalid_argument(at, format!("`{at}` is an integer too large for JSON")));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        let v = f.value();
        return Number::from_f64(v).map(Value::Number).ok_or_else(|| invalid_argument(at, format!("`{at}` must be a finite number, got {v}")));
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut map = Map::with_capacity(d.len());
        for (k, v) in d.iter() {
            let key: String = match k.cast::<PyString>() {
                Ok(s) => s.to_cow().map_err(|e| invalid_argument(at, format!("a key of `{at}` is not valid text: {e}")))?.into_owned(),
                Err(_) => return Err(invalid_argument(at, format!("the keys of `{at}` must be strings"))),
            };
            let child = if depth == 0 { key.clone() } else { format!("{at}.{key}") };
            let value = value_from_py(&v, &child, depth + 1)?;
            map.insert(key, value);
        }
        return Ok(Value::Object(map));
    }
    if let Ok(l) = obj.cast::<PyList>() {
        return l.iter().enumerate().map(|(i, v)| value_from_py(&v, &format!("{at}.{i}"), depth + 1)).collect::<Result<Vec<_>, _>>().map(Value::Array);
    }
    if let Ok(t) = obj.cast::<PyTuple>() {
        return t.iter().enumerate().map(|(i, v)| value_from_py(&v, &format!("{at}.{i}"), depth + 1)).collect::<Result<Vec<_>, _>>().map(Value::Array);
    }
    // Generated models (and anything else that can say what it holds).
    if let Ok(to_dict) = obj.getattr("to_dict") {
        if let Ok(d) = to_dict.call0() {
            return value_from_py(&d, at, depth + 1);
        }
    }
    let type_name = obj.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "object".into());
    Err(invalid_argument(at, format!("`{at}` cannot be sent as JSON (a {type_name})")))
}

/// A JSON value as Python objects.
pub fn value_to_py<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(a) => {
            let list = PyList::empty(py);
            for item in a {
                list.append(value_to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(m) => {
            let dict = PyDict::new(py);
            for (k, item) in m {
                dict.set_item(PyString::new(py, k), value_to_py(py, item)?)?;
            }
            dict.into_any()
        }
    })
}

/// The outcome of a core call, converted (and its error raised) once the
/// interpreter is attached: the async paths hand this to
/// pyo3-async-runtimes, which converts it inside its own `attach`.
pub struct Outcome(pub Result<Value, Error>);

impl<'py> IntoPyObject<'py> for Outcome {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> Result<Self::Output, Self::Error> {
        match self.0 {
            Ok(v) => value_to_py(py, &v),
            Err(e) => Err(to_py_err(py, e)),
        }
    }
}

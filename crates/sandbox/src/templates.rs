//! Built-in starter templates (forked by `POST /functions/templates/{slug}/fork`)
//! and the placeholder app the sandbox builds for GitHub deploys (it has no network).

pub struct Template {
    pub slug: &'static str,
    pub runtime: &'static str,
    pub files: &'static [(&'static str, &'static str)],
}

pub const TEMPLATES: &[Template] = &[
    Template {
        slug: "hello-node",
        runtime: "nodejs22",
        files: &[
            ("package.json", "{\n  \"name\": \"hello-node\",\n  \"version\": \"1.0.0\",\n  \"main\": \"index.js\",\n  \"scripts\": { \"start\": \"node index.js\" }\n}\n"),
            (
                "index.js",
                "const http = require('http');\nconst port = process.env.PORT || 8080;\nhttp.createServer((req, res) => {\n  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });\n  res.end('Hello from FlowEngine 👋\\n');\n}).listen(port, () => console.log(`Listening on port ${port}`));\n",
            ),
        ],
    },
    Template {
        slug: "openai-chat",
        runtime: "nodejs22",
        files: &[
            ("package.json", "{\n  \"name\": \"openai-chat\",\n  \"version\": \"1.0.0\",\n  \"main\": \"index.js\",\n  \"scripts\": { \"start\": \"node index.js\" }\n}\n"),
            (
                "index.js",
                "const http = require('http');\nconst port = process.env.PORT || 8080;\n\nasync function complete(prompt) {\n  const r = await fetch('https://api.openai.com/v1/chat/completions', {\n    method: 'POST',\n    headers: { 'content-type': 'application/json', authorization: `Bearer ${process.env.OPENAI_API_KEY}` },\n    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: prompt }] }),\n  });\n  const body = await r.json();\n  return body.choices?.[0]?.message?.content ?? '';\n}\n\nhttp.createServer(async (req, res) => {\n  let data = '';\n  for await (const chunk of req) data += chunk;\n  const { prompt = 'Say hello' } = data ? JSON.parse(data) : {};\n  res.writeHead(200, { 'content-type': 'application/json' });\n  res.end(JSON.stringify({ reply: await complete(prompt) }));\n}).listen(port, () => console.log(`Listening on port ${port}`));\n",
            ),
            ("README.md", "# openai-chat\n\nSet the `OPENAI_API_KEY` secret, then POST `{\"prompt\": \"...\"}`.\n"),
        ],
    },
    Template {
        slug: "python-flask",
        runtime: "python312",
        files: &[
            ("requirements.txt", "flask==3.0.3\ngunicorn==22.0.0\n"),
            (
                "main.py",
                "import os\nfrom flask import Flask\n\napp = Flask(__name__)\n\n\n@app.get(\"/\")\ndef hello():\n    return \"Hello from FlowEngine (Flask)\\n\"\n\n\nif __name__ == \"__main__\":\n    app.run(host=\"0.0.0.0\", port=int(os.environ.get(\"PORT\", \"8080\")))\n",
            ),
            ("Procfile", "web: gunicorn -b :$PORT main:app\n"),
        ],
    },
];

pub fn find(slug: &str) -> Option<&'static Template> {
    TEMPLATES.iter().find(|t| t.slug == slug)
}

impl Template {
    pub fn owned_files(&self) -> Vec<(String, Vec<u8>)> {
        self.files.iter().map(|(p, c)| (p.to_string(), c.as_bytes().to_vec())).collect()
    }
}

/// What the sandbox builds instead of a GitHub repository: a minimal app with
/// the runtime's entry file, and a README saying why.
pub fn github_placeholder(runtime: &str, repo: &str, branch: &str) -> Vec<(String, Vec<u8>)> {
    let readme = format!(
        "# Placeholder for github.com/{repo} ({branch})\n\nThe FlowEngine sandbox has no network access, so it did not fetch\nthis repository; it built this placeholder app instead.\n"
    );
    let mut files = vec![("README.md".to_string(), readme.into_bytes())];
    let entry: &[(&str, &str)] = match runtime {
        r if r.starts_with("python") => &[("requirements.txt", "flask==3.0.3\n"), ("main.py", "print('placeholder')\n")],
        r if r.starts_with("go") => &[("go.mod", "module placeholder\n\ngo 1.22\n"), ("main.go", "package main\n\nfunc main() {}\n")],
        r if r.starts_with("java") => &[("pom.xml", "<project><modelVersion>4.0.0</modelVersion><groupId>placeholder</groupId><artifactId>app</artifactId><version>1</version></project>\n")],
        r if r.starts_with("ruby") => &[("Gemfile", "source 'https://rubygems.org'\n"), ("app.rb", "puts 'placeholder'\n")],
        r if r.starts_with("php") => &[("index.php", "<?php echo 'placeholder';\n")],
        _ => &[("package.json", "{\"name\":\"placeholder\",\"main\":\"index.js\"}\n"), ("index.js", "console.log('placeholder');\n")],
    };
    files.extend(entry.iter().map(|(p, c)| (p.to_string(), c.as_bytes().to_vec())));
    files
}

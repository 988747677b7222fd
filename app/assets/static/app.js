// Drives the demo page through the JSON API.
async function call(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
    credentials: "same-origin",
  });
  const text = await res.text();
  document.getElementById("status").textContent = res.status + " " + text;
  return res;
}
// Empty fields are left out: an update changes only what was filled in.
function fields(form) {
  return Object.fromEntries([...new FormData(form).entries()].filter(([, v]) => v !== ""));
}
document.addEventListener("submit", (e) => {
  e.preventDefault();
  const f = e.target;
  const data = fields(f);
  switch (f.id) {
    case "signup": call("POST", "/api/signup", data); break;
    case "login": call("POST", "/api/login", data); break;
    case "profile": call("PUT", "/api/me", data); break;
  }
});
document.getElementById("whoami").addEventListener("click", () => call("GET", "/api/me"));
document.getElementById("logout").addEventListener("click", () => call("POST", "/api/logout"));

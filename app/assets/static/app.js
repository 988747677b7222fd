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
    case "avatar": uploadAvatar(f.elements.picture.files[0]); break;
  }
});
// The upload returns at once (202); the worker makes the avatar, and the page
// polls the job until it is done or failed.
async function uploadAvatar(file) {
  const status = document.getElementById("status");
  const res = await fetch("/api/me/avatar", {
    method: "POST", body: file, headers: { "Content-Type": file.type }, credentials: "same-origin",
  });
  status.textContent = res.status + " " + (await res.text());
  const job = res.headers.get("Location");
  if (res.status !== 202 || !job) return;
  for (let i = 0; i < 120; i++) {
    await new Promise((r) => setTimeout(r, 500));
    const poll = await fetch(job, { credentials: "same-origin" });
    const body = await poll.json();
    status.textContent = poll.status + " " + JSON.stringify(body);
    if (body.state === "done") {
      const img = document.getElementById("avatar-img");
      img.src = body.output_url;
      img.hidden = false;
      return;
    }
    if (body.state === "failed" || poll.status !== 200) return;
  }
}
document.getElementById("whoami").addEventListener("click", () => call("GET", "/api/me"));
document.getElementById("logout").addEventListener("click", () => call("POST", "/api/logout"));

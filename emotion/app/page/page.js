() => {
  // The page's own behaviour, called by its events as window.emotionPage.<name>(...).
  const save = (text, name, type) => {
    // A download made in the browser from what the page already shows: no file on the server.
    const link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([text], {type}));
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
  };
  const resultName = () => {
    const source = document.querySelector("#annotated img")?.src || "";
    const name = decodeURIComponent(source.split("?")[0].split("/").pop() || "");
    return name.endsWith("-faces.png") ? name.slice(0, -".png".length) : "faces";
  };
  // Gradio heads every notice with its kind ("Error"); ours come as "What happened: details" (emotion.errors),
  // so the heading is made to say what happened and the details stay below it.
  const headNotice = (toast) => {
    const title = toast.querySelector(".toast-title");
    const text = toast.querySelector(".toast-message-text, .toast-text");
    const parts = text?.textContent.match(/^([^:\n]{3,40}): ([\s\S]+)$/);
    if (!title || !parts || toast.dataset.headed) return;
    toast.dataset.headed = "yes";
    title.textContent = parts[1];
    text.textContent = parts[2];
  };
  new MutationObserver(() => document.querySelectorAll(".toast-body").forEach(headNotice)).observe(
    document.body, {childList: true, subtree: true});
  window.emotionPage = {
    // Named after the photo, as its annotated copy is (handlers.annotated_file): "party-faces.json".
    downloadJson: (faces) => save(JSON.stringify(faces || [], null, 2), `${resultName()}.json`, "application/json"),
    downloadCsv: (text) => save(text || "", `${resultName()}.csv`, "text/csv"),
    // On a narrow screen the result is below the inputs: bring the picture into view once it is there.
    showResult: () => {
      if (window.innerWidth < 700) document.querySelector("#annotated")?.scrollIntoView({behavior: "smooth"});
    },
    // A live run at its time limit: press the camera's own Stop, so the browser stops sending frames.
    stopLive: () => {
      const button = document.querySelector('#live-input button[aria-label="capture photo"]');
      if (button && /stop/i.test(button.innerText)) button.click();
    },
    // An earlier error's notice does not linger over a new result.
    closeNotices: () => document.querySelectorAll(".toast-close").forEach((button) => button.click()),
  };
}

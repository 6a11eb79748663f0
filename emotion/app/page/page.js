() => {
  // The page's own behaviour, called by its events as window.emotionPage.<name>(...).
  const save = (blob, name) => {
    // A download made in the browser from what the page already shows: no file on the server, nothing to expire.
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
  };
  const sourceName = (id) => {
    const source = document.querySelector(`#${id} img, #${id} video`)?.src || "";
    return decodeURIComponent(source.split("?")[0].split("/").pop() || "");
  };
  // Named after the upload, as the annotated picture is: "party-faces.json", and a clip's "interview-people.csv".
  const resultName = (id) => {
    const stem = sourceName(id).replace(/\.[^.]*$/, "");
    if (stem.endsWith("-annotated")) return `${stem.slice(0, -"-annotated".length)}-people`;
    return stem.endsWith("-faces") ? stem : "faces";
  };
  // Gradio heads every notice with its kind ("Error"); ours come as "What happened: details" (emotion.app.answers),
  // so the heading is made to say what happened and the details stay below it. A clip dropped on a photo input gets
  // Gradio's "Invalid file type" from the browser itself: it is told where clips go instead.
  let chosenType = "";
  const headNotice = (toast) => {
    const title = toast.querySelector(".toast-title");
    const text = toast.querySelector(".toast-message-text, .toast-text");
    if (!title || !text || toast.dataset.headed) return;
    if (/invalid file type/i.test(toast.textContent) && chosenType.startsWith("video/")) {  // title or message
      toast.dataset.headed = "yes";
      title.textContent = "Not a photo";
      text.textContent = "This is a video clip: analyse clips in the Video tab.";
      return;
    }
    const parts = text.textContent.match(/^([^:\n]{3,40}): ([\s\S]+)$/);
    if (!parts) return;
    toast.dataset.headed = "yes";
    title.textContent = parts[1];
    text.textContent = parts[2];
  };
  new MutationObserver(() => document.querySelectorAll(".toast-body").forEach(headNotice)).observe(
    document.body, {childList: true, subtree: true, characterData: true});
  const closeNotices = () => document.querySelectorAll(".toast-close").forEach((button) => button.click());
  // A new file or a new analysis: an earlier notice does not linger over the new result.
  // A file chosen: "input" comes before "change", and Gradio may answer either (its "Invalid file type").
  const fileChosen = (event) => {
    if (!event.target.matches?.("input[type=file]")) return;
    chosenType = event.target.files?.[0]?.type || "";
    if (event.type === "change") closeNotices();
  };
  document.addEventListener("input", fileChosen, true);
  document.addEventListener("change", fileChosen, true);
  document.addEventListener("drop", (event) => {
    chosenType = event.dataTransfer?.files?.[0]?.type || "";
    closeNotices();
  }, true);
  document.addEventListener("click", (event) => {
    if (event.target.closest?.("button.primary, .gallery-item, button.gallery-item")) closeNotices();
    // The live camera's Record and Stop tell the server, which starts a new run or ends the running one.
    const camera = event.target.closest?.('#live-input button[aria-label="capture photo"]');
    if (camera) document.querySelector(/stop/i.test(camera.innerText) ? "#live-stop" : "#live-start")?.click();
  }, true);
  window.emotionPage = {
    downloadJson: (data, id) => save(
      new Blob([JSON.stringify(data ?? [], null, 2)], {type: "application/json"}), `${resultName(id)}.json`),
    downloadCsv: (text, id) => save(new Blob([text || ""], {type: "text/csv"}), `${resultName(id)}.csv`),
    // The annotated picture as the page shows it, drawn again from the browser's copy.
    downloadPicture: (id) => {
      const image = document.querySelector(`#${id} img`);
      if (!image?.naturalWidth) return;
      const canvas = document.createElement("canvas");
      canvas.width = image.naturalWidth;
      canvas.height = image.naturalHeight;
      canvas.getContext("2d").drawImage(image, 0, 0);
      canvas.toBlob((blob) => save(blob, sourceName(id) || "faces.png"), "image/png");
    },
    // The annotated clip, fetched again; once the server has swept it, the message says so (returned to it).
    downloadClip: async (message, expired) => {
      const source = document.querySelector("#clip-output video")?.src;
      const answer = source ? await fetch(source).catch(() => null) : null;
      if (!answer?.ok) return expired;
      save(await answer.blob(), sourceName("clip-output"));
      return message;
    },
    // On a narrow screen the result is below the inputs: bring the picture into view once it is there.
    showResult: (id) => {
      if (window.innerWidth < 700) document.querySelector(`#${id}`)?.scrollIntoView({behavior: "smooth"});
    },
    // A live run at its time limit: press the camera's own Stop, so the browser stops sending frames.
    stopLive: () => {
      const button = document.querySelector('#live-input button[aria-label="capture photo"]');
      if (button && /stop/i.test(button.innerText)) button.click();
    },
  };
}

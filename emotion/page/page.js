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
  window.emotionPage = {
    downloadJson: (faces) => save(JSON.stringify(faces || [], null, 2), "faces.json", "application/json"),
    downloadCsv: (text) => save(text || "", "faces.csv", "text/csv"),
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

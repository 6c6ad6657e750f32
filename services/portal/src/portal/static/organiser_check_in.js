// Check-in by camera: reads members' QR codes with the phone's camera (getUserMedia) and jsQR (bundled from npm,
// served by the portal), puts the code in the form's field and submits it. The form works without this; the button
// that starts the camera is shown only where there is one to start.
const form = document.querySelector("[data-check-in-form]");
const start = document.querySelector("[data-scan-start]");
const video = document.querySelector("[data-scan-video]");
const said = document.querySelector("[data-scan-status]");

function say(text) {
  if (said) said.textContent = text;
}

function submitCode(code) {
  const field = form.querySelector("input[name=code]");
  field.value = code;
  if (form.requestSubmit) form.requestSubmit();
  else form.submit();
}

async function scan() {
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
  } catch (error) {
    say(start.dataset.noCamera);
    return;
  }
  video.hidden = false;
  video.srcObject = stream;
  await video.play();
  say(start.dataset.scanning);
  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d", { willReadFrequently: true });
  const look = () => {
    if (video.readyState === video.HAVE_ENOUGH_DATA) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      const image = context.getImageData(0, 0, canvas.width, canvas.height);
      const found = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
      if (found && found.data) {
        stream.getTracks().forEach((track) => track.stop());
        video.hidden = true;
        submitCode(found.data.trim());
        return;
      }
    }
    requestAnimationFrame(look);
  };
  requestAnimationFrame(look);
}

if (form && start && video && navigator.mediaDevices && navigator.mediaDevices.getUserMedia && window.jsQR) {
  start.hidden = false;
  start.addEventListener("click", scan);
}

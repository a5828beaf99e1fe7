// The console's one script. Every page works without it; it adds checks before sending.
'use strict';

// A JSON editor refuses to send text that is not a JSON object, and says where it breaks.
function checkJsonEditors() {
  for (const form of document.querySelectorAll('form[data-json-editor]')) {
    const area = form.querySelector('textarea');
    const message = form.querySelector('[data-json-message]');
    if (!area || !message) continue;
    const check = () => {
      try {
        const value = JSON.parse(area.value);
        if (value === null || typeof value !== 'object' || Array.isArray(value)) {
          return 'The config must be a JSON object: { ... }.';
        }
        return '';
      } catch (error) {
        return `This is not valid JSON: ${error.message}`;
      }
    };
    area.addEventListener('input', () => {
      if (message.textContent) message.textContent = check();
      area.setAttribute('aria-invalid', message.textContent ? 'true' : 'false');
    });
    form.addEventListener('submit', (event) => {
      const problem = check();
      message.textContent = problem;
      area.setAttribute('aria-invalid', problem ? 'true' : 'false');
      if (problem) {
        event.preventDefault();
        area.focus();
      }
    });
  }
}

document.addEventListener('DOMContentLoaded', checkJsonEditors);

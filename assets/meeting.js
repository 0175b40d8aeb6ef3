/* Meeting mode (layouts/meeting.py): page through a meeting's screens from the keyboard and show
   it full screen. Right arrow / Page Down: next screen; Left arrow / Page Up: previous; Home: the
   agenda; End: the last screen; a screen number then Enter: that screen; F: full screen.
   Every screen has its own URL: navigation pushes it onto the history and tells Dash's router
   (dcc.Location listens to popstate), so Back, Forward and shared links all work. Keys typed into
   a form field, or with Ctrl, Alt or Meta held, are left alone. Without this script the screens'
   links still work as ordinary links. */
(function () {
  "use strict";

  var typed = "";
  var typedTimer = null;

  function meetingRoot() {
    return document.querySelector(".meeting-mode[data-meeting-base]");
  }

  function isTyping(target) {
    if (!target || !target.tagName) {
      return false;
    }
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  function say(text) {
    var status = document.getElementById("meeting-goto");
    if (status) {
      status.textContent = text;
    }
  }

  function clearTyped() {
    typed = "";
    if (typedTimer) {
      window.clearTimeout(typedTimer);
      typedTimer = null;
    }
  }

  /* The screen the URL names now: after a quick second key press the page may not have redrawn
     yet, so the URL, not the drawn page, says where we are. */
  function currentScreen(root) {
    var base = root.getAttribute("data-meeting-base");
    var path = window.location.pathname;
    if (path.indexOf(base) === 0) {
      var number = parseInt(path.slice(base.length), 10);
      if (!isNaN(number)) {
        return number;
      }
    }
    return parseInt(root.getAttribute("data-screen"), 10);
  }

  /* Once Dash has drawn the new screen, move focus to its heading so screen readers announce it. */
  function focusHeadingOf(path) {
    var tries = 0;
    var timer = window.setInterval(function () {
      var root = meetingRoot();
      tries += 1;
      if (root && root.getAttribute("data-meeting-base") + root.getAttribute("data-screen") === path) {
        window.clearInterval(timer);
        var heading = document.getElementById("page-heading");
        if (heading) {
          heading.focus({ preventScroll: true });
        }
      } else if (tries > 200) {
        window.clearInterval(timer);
      }
    }, 50);
  }

  function navigate(path) {
    if (path === window.location.pathname) {
      return;
    }
    window.history.pushState({}, "", path);
    window.dispatchEvent(new PopStateEvent("popstate", { state: {} }));
    window.scrollTo(0, 0);
    focusHeadingOf(path);
  }

  function goToScreen(root, number) {
    var total = parseInt(root.getAttribute("data-screens"), 10);
    if (isNaN(number) || number < 1 || number > total) {
      say("There is no screen " + number + ": this meeting has screens 1 to " + total + ".");
      return;
    }
    say("");
    navigate(root.getAttribute("data-meeting-base") + number);
  }

  function toggleFullScreen() {
    if (document.fullscreenElement) {
      document.exitFullscreen();
    } else if (document.documentElement.requestFullscreen) {
      document.documentElement.requestFullscreen().catch(function () {
        say("This browser did not allow full screen here.");
      });
    }
  }

  document.addEventListener("keydown", function (event) {
    var root = meetingRoot();
    if (!root || event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) {
      return;
    }
    if (isTyping(event.target)) {
      return;
    }
    var screen = currentScreen(root);
    var total = parseInt(root.getAttribute("data-screens"), 10);
    var target = null;
    switch (event.key) {
      case "ArrowRight":
      case "PageDown":
        target = Math.min(screen + 1, total);
        break;
      case "ArrowLeft":
      case "PageUp":
        target = Math.max(screen - 1, 1);
        break;
      case "Home":
        target = 1;
        break;
      case "End":
        target = total;
        break;
      case "Enter":
        if (!typed) {
          return; // Enter on a link or button keeps its usual meaning
        }
        target = parseInt(typed, 10);
        clearTyped();
        break;
      case "Escape":
        if (typed) {
          clearTyped();
          say("");
        }
        return;
      case "f":
      case "F":
        event.preventDefault();
        toggleFullScreen();
        return;
      default:
        if (/^[0-9]$/.test(event.key)) {
          event.preventDefault();
          typed = (typed + event.key).slice(-4);
          say("Go to screen " + typed + ": press Enter.");
          if (typedTimer) {
            window.clearTimeout(typedTimer);
          }
          typedTimer = window.setTimeout(function () {
            clearTyped();
            say("");
          }, 4000);
        }
        return;
    }
    event.preventDefault();
    goToScreen(root, target);
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-meeting-fullscreen]") : null;
    if (button) {
      toggleFullScreen();
      return;
    }
    var link = event.target.closest ? event.target.closest("a[data-meeting-nav]") : null;
    if (!link || event.button !== 0 || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) {
      return;
    }
    event.preventDefault();
    clearTyped();
    navigate(link.getAttribute("href"));
  });

  /* The agenda editor redraws its list after each Up, Down or Remove: keep the keyboard where it
     was, on the same button of the measure just moved (or the nearest one left). */
  var pressed = null;
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("#agenda-editor button") : null;
    pressed = button && button.id ? { id: button.id, row: button.closest("li") && button.closest("li").id } : null;
  });
  new MutationObserver(function () {
    if (!pressed || (document.activeElement && document.activeElement !== document.body)) {
      return;
    }
    var again = document.getElementById(pressed.id);
    if (!again || again.disabled) {
      var row = pressed.row ? document.getElementById(pressed.row) : null;
      again = row ? row.querySelector("button:not([disabled])") : document.getElementById("agenda-status");
    }
    if (again) {
      if (again.id === "agenda-status") {
        again.setAttribute("tabindex", "-1");
      }
      again.focus();
      pressed = null;
    }
  }).observe(document.documentElement, { childList: true, subtree: true });

  /* The screen list beside "Screen 3 of 12": choosing a screen goes there. */
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!select || !select.matches || !select.matches("select[data-meeting-jump]")) {
      return;
    }
    clearTyped();
    navigate(select.value);
  });

  /* The chart takes the height the window leaves once the title, controls, the figure above the
     chart and the reading and commentary under it are placed, so a screen fits a projector without
     scrolling (never less than 260 px: a tiny window scrolls instead). Its width is the screen's
     (assets/meeting.css). */
  var MIN_CHART = 260;
  var GAP = 12;

  function bottomOf(selector) {
    var element = document.querySelector(selector);
    return element ? element.getBoundingClientRect().bottom + window.scrollY : 0;
  }

  function fitChart() {
    var root = meetingRoot();
    var graph = root ? root.querySelector(".meeting-graph") : null;
    if (!graph) {
      return;
    }
    var top = graph.getBoundingClientRect().top + window.scrollY;
    var height = window.innerHeight - top - GAP;
    // What sits under the chart (the reading and commentary) must fit too.
    var under = bottomOf(".meeting-fit") - (graph.getBoundingClientRect().bottom + window.scrollY);
    height -= Math.max(under, 0);
    height = Math.max(Math.floor(height), MIN_CHART);
    var current = root.style.getPropertyValue("--meeting-chart-height");
    if (current !== height + "px") {
      root.style.setProperty("--meeting-chart-height", height + "px");
    }
  }

  var fitTimer = null;
  function fitSoon() {
    if (fitTimer) {
      window.clearTimeout(fitTimer);
    }
    fitTimer = window.setTimeout(fitChart, 60);
  }
  window.addEventListener("resize", fitSoon);
  document.addEventListener("fullscreenchange", fitSoon);
  new MutationObserver(fitSoon).observe(document.documentElement, { childList: true, subtree: true });

  /* Printing: Plotly draws at the screen's width, so redraw each chart at its share of the
     printed page's width (its Bootstrap column, or the columns its data-print-columns names, as
     laid out on a page that wide) while printing, and let it fill its container again afterwards. */
  var PAGE_WIDTH = 1030; // CSS pixels across A4 landscape inside 12 mm margins (assets/print.css)
  var MEETING_CHART_HEIGHT = 283; // 75 mm (assets/print.css): room left for the words

  function printedWidth(graph) {
    var column = graph.closest("[data-print-columns], [class*='col-lg-'], [class*='col-md-']");
    var match = column ? column.className.match(/col-(?:lg|md)-(\d+)/) : null;
    var columns = column && column.getAttribute("data-print-columns");
    var share = columns ? parseInt(columns, 10) / 12 : match ? parseInt(match[1], 10) / 12 : 1;
    return Math.floor(PAGE_WIDTH * share) - 24;
  }

  /* Every text of a meeting chart at one size (layouts/chart_sizes.py sets each explicitly). */
  function textSizes(graph, size) {
    var update = {
      "font.size": size,
      "legend.font.size": size,
      "xaxis.tickfont.size": size,
      "yaxis.tickfont.size": size,
      "xaxis.title.font.size": size,
      "yaxis.title.font.size": size
    };
    (graph.layout.annotations || []).forEach(function (_note, index) {
      update["annotations[" + index + "].font.size"] = size;
    });
    return update;
  }

  /* The chart takes its printed size from its element (Plotly's autosize), so a resize Chrome
     triggers on entering print layout cannot put the screen size back. */
  window.addEventListener("beforeprint", function () {
    if (!window.Plotly) {
      return;
    }
    document.querySelectorAll(".js-plotly-plot").forEach(function (graph) {
      var update = { autosize: true };
      graph.setAttribute("data-printing", graph.getAttribute("style") || "");
      graph.style.width = printedWidth(graph) + "px";
      if (graph.closest(".meeting-graph")) {
        // Projector-sized lettering would crowd a printed chart: print it at the usual size.
        graph.setAttribute("data-font-size", String(graph.layout.font.size || ""));
        graph.style.height = MEETING_CHART_HEIGHT + "px";
        Object.assign(update, textSizes(graph, 12));
      }
      window.Plotly.relayout(graph, update);
    });
  });
  window.addEventListener("afterprint", function () {
    if (!window.Plotly) {
      return;
    }
    document.querySelectorAll(".js-plotly-plot[data-printing]").forEach(function (graph) {
      var update = { autosize: true };
      if (graph.hasAttribute("data-font-size")) {
        Object.assign(update, textSizes(graph, parseFloat(graph.getAttribute("data-font-size")) || 12));
        graph.removeAttribute("data-font-size");
      }
      graph.setAttribute("style", graph.getAttribute("data-printing"));
      graph.removeAttribute("data-printing");
      window.Plotly.relayout(graph, update);
    });
  });
})();

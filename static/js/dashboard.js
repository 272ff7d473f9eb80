// The shop home page's sales-by-channel chart: one stacked bar per day, one colour per channel.
// Data comes from the json_script block "channel-chart-data" (amounts in fen, shown as yuan).
(function () {
  "use strict";
  var source = document.getElementById("channel-chart-data");
  var canvas = document.getElementById("channel-chart");
  if (!source || !canvas || !window.Chart) {
    return;
  }
  var data = JSON.parse(source.textContent);
  var locale = document.documentElement.lang === "en" ? "en" : "zh-CN";
  var full = new Intl.NumberFormat(locale, { style: "currency", currency: "CNY", currencyDisplay: "narrowSymbol" });
  // Every y tick in the one unit the page chose for this chart's range (yuan, or 万 / thousands): compact notation
  // would switch units between ticks ("¥9000" under "¥1万").
  var axis = data.axis || { divisor: 1, suffix: "" };
  var tick = new Intl.NumberFormat(locale, {
    style: "currency",
    currency: "CNY",
    currencyDisplay: "narrowSymbol",
    minimumFractionDigits: 0,
    maximumFractionDigits: 2,
  });
  var yuan = function (fen) {
    return fen / 100;
  };

  new window.Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: data.datasets.map(function (set) {
        return {
          label: set.label,
          data: set.fen.map(yuan),
          backgroundColor: set.color,
          borderWidth: 0,
          stack: "sales",
          maxBarThickness: 48,
        };
      }),
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: "index", intersect: false },
      scales: {
        x: { stacked: true, grid: { display: false } },
        y: {
          stacked: true,
          beginAtZero: true,
          ticks: {
            callback: function (value) {
              return value === 0 ? tick.format(0) : tick.format(value / axis.divisor) + axis.suffix;
            },
          },
        },
      },
      plugins: {
        legend: { display: false }, // the channel table beside the chart is the legend
        tooltip: {
          filter: function (item) {
            return item.parsed.y !== 0;
          },
          callbacks: {
            title: function (items) {
              return items.length ? data.titles[items[0].dataIndex] : "";
            },
            label: function (item) {
              return item.dataset.label + ": " + full.format(item.parsed.y);
            },
            footer: function (items) {
              if (!items.length) {
                return "";
              }
              var index = items[0].dataIndex;
              var fen = data.datasets.reduce(function (sum, set) {
                return sum + set.fen[index];
              }, 0);
              return data.total_label + ": " + full.format(yuan(fen));
            },
          },
        },
      },
    },
  });
})();

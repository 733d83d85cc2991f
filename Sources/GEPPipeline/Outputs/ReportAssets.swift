/// The style sheet of `report.html` and `vep-report.html`: system fonts only (no web font),
/// Chinese labels shown unless the body's `data-lang` is "en".
let reportCSS = #"""
  body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",system-ui,sans-serif;margin:0;color:#1b1b1b;background:#f5f6f3}
  header{display:flex;align-items:center;justify-content:space-between;background:#14532d;color:#fff;padding:10px 20px}
  header h1{font-size:22px;margin:0}
  header button{font-size:14px;padding:4px 12px}
  section{background:#fff;margin:14px 20px;padding:12px 18px;border-radius:6px;box-shadow:0 1px 3px rgba(0,0,0,.12)}
  h2{font-size:18px;margin:4px 0 10px;color:#14532d}
  h3{font-size:15px;margin:6px 0}
  body[data-lang="zh"] .en{display:none}
  body[data-lang="en"] .zh{display:none}
  .cards{display:flex;flex-wrap:wrap;gap:10px}
  .card{flex:1 1 150px;border-left:4px solid #15803d;padding:6px 10px;background:#f0fdf4}
  .card .k{font-size:12px;color:#555}.card .v{font-size:20px;font-weight:600}
  #county-gep .v{font-size:28px;color:#14532d}
  .card.bad{border-color:#b91c1c;background:#fef2f2}.card.ok{border-color:#15803d}
  .alert{border:3px solid #b91c1c;background:#fff7f7}
  .alert h2{color:#b91c1c}.alert .big{font-weight:700;font-size:16px}
  .alert li{margin:2px 0}.alert code{margin-left:6px;color:#555}
  .controls{margin-bottom:8px}
  .mapwrap{display:flex;gap:12px;flex-wrap:wrap}
  #map-box{position:relative;flex:3 1 560px;min-height:420px;border:1px solid #ccc;background:#eef5fb}
  #map{width:100%;height:560px;display:block}
  #map path.unit{stroke:#fff;stroke-width:1.2px;vector-effect:non-scaling-stroke;cursor:pointer;display:none}
  #map path.unit.shown{display:inline}
  #map path.unit.outline{display:inline;fill:none !important;stroke:#222;stroke-width:2.4px;pointer-events:none}
  #map path.unit.shown:hover,#map path.unit.sel{stroke:#f59e0b;stroke-width:3px}
  #north{position:absolute;right:12px;top:10px;width:28px;height:42px}
  #scalebar{position:absolute;left:12px;bottom:10px;font-size:12px;background:rgba(255,255,255,.8);padding:2px 4px}
  #scalebar-bar{height:6px;border:1px solid #222;border-top:none;background:linear-gradient(90deg,#222 50%,#fff 50%)}
  #legend{position:absolute;right:10px;bottom:10px;background:rgba(255,255,255,.9);padding:6px 8px;font-size:12px;max-width:240px}
  #legend i{display:inline-block;width:16px;height:12px;margin-right:6px;vertical-align:middle;border:1px solid #999}
  #tip{position:absolute;pointer-events:none;background:#fff;border:1px solid #888;padding:4px 8px;font-size:12px;box-shadow:0 1px 4px rgba(0,0,0,.3)}
  aside#panel{flex:1 1 240px;font-size:13px}
  aside#panel ol{padding-left:30px;max-height:380px;overflow:auto}
  aside#panel li{cursor:pointer}
  .note{font-size:12px;color:#555}
  .two{display:flex;flex-wrap:wrap;gap:24px}.two>div{flex:1 1 380px}
  .bar{display:flex;align-items:center;gap:8px;margin:3px 0;font-size:13px}
  .bar .lab{flex:0 0 150px}.bar .track{flex:1;background:#eef;height:14px;position:relative}
  .bar .track b{display:block;height:14px;background:#15803d}
  .bar .track i.nc{font-size:11px;color:#b91c1c}.bar .track i.na{font-size:11px;color:#777}
  .bar .num{flex:0 0 110px;text-align:right}
  table{border-collapse:collapse;font-size:13px}
  th,td{border:1px solid #ddd;padding:3px 6px;vertical-align:top}
  th{background:#f0f4ef;text-align:left}
  td.r{text-align:right;white-space:nowrap}
  .small{font-size:11px}.hash{font-size:10px;word-break:break-all}
  .scroll{overflow:auto;max-height:520px}
  table.heat td{text-align:right;min-width:48px}
  tr.st-not_computed td,tr.st-partial td{background:#fff4f4}
  tr.st-not_computed td:last-child{color:#b91c1c;font-weight:700}
  footer{font-size:12px;color:#555;margin:10px 20px 30px}
  """#

/// The script of `report.html`: colours the map by the chosen mode (value density in
/// quintiles of the units shown, or the grades 1–5), drills down on a click or on
/// `#unit=CODE`, lists the focus unit's children, shows a unit's figures on hover, keeps the
/// scale bar true to the view, and switches the language. Reads only the page's own JSON.
let reportJS = #"""
  (function(){
  "use strict";
  var D=JSON.parse(document.getElementById("gep-data").textContent);
  var U=D.units, svg=document.getElementById("map"), body=document.body;
  var paths={}; Array.prototype.forEach.call(svg.querySelectorAll("path.unit"),function(p){paths[p.getAttribute("data-code")]=p;});
  var kids={}; Object.keys(U).forEach(function(c){var p=U[c].p; if(p){(kids[p]=kids[p]||[]).push(c);}});
  var state={focus:D.root,sel:null,mode:"gep"};
  var PAL=["#edf8e9","#bae4b3","#74c476","#31a354","#006d2c"];
  var GRADE={1:"#006d2c",2:"#31a354",3:"#74c476",4:"#bae4b3",5:"#edf8e9"};
  function en(){return body.getAttribute("data-lang")==="en";}
  function t(zh,e){return en()?e:zh;}
  function esc(s){return String(s).replace(/[&<>"]/g,function(c){return {"&":"&amp;","<":"&lt;",">":"&gt;","\"":"&quot;"}[c];});}
  function money(v){if(v===null||v===undefined)return t("未核算","not computed"); return Math.abs(v)>=1e8?(v/1e8).toFixed(2)+" 亿元":(v/1e4).toFixed(2)+" 万元";}
  function dens(c,m){var u=U[c],v=u.v[m]; if(v===null||v===undefined||!u.a)return null; return v/u.a;}
  function shownCodes(){var k=kids[state.focus]||[]; return k.length?k:[state.focus];}
  function breaks(vals){var s=vals.slice().sort(function(a,b){return a-b;}),b=[]; for(var i=1;i<5;i++){b.push(s[Math.min(s.length-1,Math.floor(i*s.length/5))]);} return b;}
  function cls(v,b){var i=0; while(i<b.length&&v>=b[i])i++; return i;}
  function colour(){
    var codes=shownCodes(), leg=document.getElementById("legend"), m=state.mode, h="";
    Object.keys(paths).forEach(function(c){var p=paths[c]; p.classList.remove("shown","outline","sel");});
    codes.forEach(function(c){if(paths[c])paths[c].classList.add("shown");});
    if(paths[state.focus]&&codes[0]!==state.focus)paths[state.focus].classList.add("outline");
    if(state.sel&&paths[state.sel])paths[state.sel].classList.add("sel");
    if(m==="grade"){
      codes.forEach(function(c){var g=U[c].g; if(paths[c])paths[c].style.fill=g?GRADE[g]:"url(#hatch)";});
      h="<b>"+t("资源分级（按价值密度）","Value grade (by density)")+"</b>";
      for(var g=1;g<=5;g++)h+="<div><i style=\"background:"+GRADE[g]+"\"></i>"+t("第 "+g+" 级","grade "+g)+"</div>";
      h+="<div><i style=\"background:#ddd\"></i>"+t("未分级（本级单位少于 5 个）","no grade (fewer than 5 units)")+"</div>";
    } else {
      var vals=codes.map(function(c){return dens(c,m);}).filter(function(v){return v!==null;});
      var b=breaks(vals);
      codes.forEach(function(c){var v=dens(c,m); if(paths[c])paths[c].style.fill=v===null?"url(#hatch)":PAL[cls(v,b)];});
      var md=D.modes[m]||[m,m];
      h="<b>"+esc(t(md[0],md[1]))+" "+t("价值密度","value density")+" (万元/km²)</b>";
      var lo=vals.length?Math.min.apply(null,vals):0, hi=vals.length?Math.max.apply(null,vals):0, edges=[lo].concat(b,[hi]);
      for(var i=0;i<5;i++)h+="<div><i style=\"background:"+PAL[i]+"\"></i>"+(edges[i]/1e4).toFixed(1)+" – "+(edges[i+1]/1e4).toFixed(1)+"</div>";
      h+="<div><i style=\"background:#ddd\"></i>"+t("未核算","not computed")+"</div>";
    }
    leg.innerHTML=h;
  }
  function figures(c){
    var u=U[c]; if(!u)return "";
    var a=u.a||0, ln={county:t("县","county"),township:t("乡镇","township"),village:t("村","village")}[u.l]||u.l;
    var s="<table><tr><th>"+t("级别","Level")+"</th><td>"+esc(ln)+" "+esc(c)+"</td></tr>";
    s+="<tr><th>GEP</th><td class=\"r\" data-yuan=\""+(u.v.gep===null?"":u.v.gep)+"\">"+money(u.v.gep)+"</td></tr>";
    s+="<tr><th>"+t("价值密度","Density")+"</th><td class=\"r\">"+(dens(c,"gep")===null?"—":(dens(c,"gep")/1e4).toFixed(2)+" 万元/km²")+"</td></tr>";
    if(state.mode!=="gep"&&state.mode!=="grade"){var md=D.modes[state.mode]; s+="<tr><th>"+esc(t(md[0],md[1]))+"</th><td class=\"r\">"+money(u.v[state.mode])+"</td></tr>";}
    s+="<tr><th>"+t("分级","Grade")+"</th><td class=\"r\">"+(u.g||"—")+"</td></tr>";
    s+="<tr><th>GEP/GDP</th><td class=\"r\">"+(u.r===null?"—":u.r.toFixed(2))+"</td></tr>";
    s+="<tr><th>"+t("人均","Per capita")+"</th><td class=\"r\">"+(u.pc===null?"—":(u.pc/1e4).toFixed(2)+" 万元/人")+"</td></tr>";
    s+="<tr><th>"+t("面积","Area")+"</th><td class=\"r\">"+a.toFixed(2)+" km² / "+(a*100).toFixed(0)+" hm² / "+(a*1500).toFixed(0)+" 亩</td></tr>";
    if(u.nc)s+="<tr><th>"+t("未核算","Not computed")+"</th><td>"+esc(u.nc)+"</td></tr>";
    return s+"</table>";
  }
  function panel(){
    var f=state.sel||state.focus, u=U[f];
    document.getElementById("focus-name").textContent=u?u.n:"";
    document.getElementById("focus-figures").innerHTML=figures(f);
    var k=kids[state.focus]||[], fu=U[state.focus];
    document.getElementById("children-title").textContent=k.length?(t("下辖单位：","Units of ")+(fu?fu.n:"")+" ("+k.length+")"):"";
    var ol=document.getElementById("children"); ol.innerHTML="";
    k.slice().sort(function(a,b){return (U[b].v.gep||0)/(U[b].a||1)-(U[a].v.gep||0)/(U[a].a||1);}).forEach(function(c){
      var li=document.createElement("li"); li.setAttribute("data-code",c);
      li.textContent=U[c].n+" — "+money(U[c].v.gep); li.onclick=function(){go(c);}; ol.appendChild(li);});
    var cr=[],x=state.focus; while(x&&U[x]){cr.unshift("<a href=\"#unit="+encodeURIComponent(x)+"\">"+esc(U[x].n)+"</a>"); x=U[x].p;}
    document.getElementById("crumbs").innerHTML=cr.join(" › ");
    document.getElementById("up").disabled=!(U[state.focus]&&U[state.focus].p);
  }
  function zoom(){
    var u=U[state.focus], b=u&&u.b;
    if(!b||!b.length){svg.setAttribute("viewBox",svg.getAttribute("data-full"));}
    else {var w=b[2]-b[0],h=b[3]-b[1],m=Math.max(w,h)*0.04; svg.setAttribute("viewBox",(b[0]-m)+" "+(b[1]-m)+" "+(w+2*m)+" "+(h+2*m));}
    scalebar();
  }
  function scalebar(){
    var vb=svg.getAttribute("viewBox").split(" ").map(Number), r=svg.getBoundingClientRect();
    if(!r.width)return;
    var k=Math.min(r.width/vb[2],r.height/vb[3]), mpu=Number(svg.getAttribute("data-metres-per-unit"));
    var metresPerPx=mpu/k, target=metresPerPx*r.width/5, p=Math.pow(10,Math.floor(Math.log(target)/Math.LN10)), len=p;
    [1,2,5,10].forEach(function(f){if(f*p<=target)len=f*p;});
    document.getElementById("scalebar-bar").style.width=(len/metresPerPx).toFixed(1)+"px";
    document.getElementById("scalebar-text").textContent=len>=1000?(len/1000)+" km":len+" m";
  }
  function go(c){
    if(!U[c])return;
    if(kids[c]&&kids[c].length){state.focus=c;state.sel=null;} else {state.focus=U[c].p||c;state.sel=c;}
    var h="#unit="+encodeURIComponent(c); if(location.hash!==h)history.replaceState(null,"",h);
    colour();panel();zoom();
  }
  function fromHash(){var m=/unit=([^&]+)/.exec(location.hash); go(m?decodeURIComponent(m[1]):D.root);}
  var tip=document.getElementById("tip"), box=document.getElementById("map-box");
  Object.keys(paths).forEach(function(c){
    var p=paths[c];
    p.addEventListener("click",function(){go(c);});
    p.addEventListener("mousemove",function(e){
      var r=box.getBoundingClientRect(), u=U[c]; if(!u)return;
      tip.hidden=false; tip.style.left=(e.clientX-r.left+14)+"px"; tip.style.top=(e.clientY-r.top+14)+"px";
      tip.innerHTML="<b>"+esc(u.n)+"</b><br>GEP "+money(u.v.gep)+"<br>"+t("密度 ","density ")+(dens(c,"gep")===null?"—":(dens(c,"gep")/1e4).toFixed(2)+" 万元/km²")+"<br>"+t("分级 ","grade ")+(u.g||"—");});
    p.addEventListener("mouseleave",function(){tip.hidden=true;});
  });
  document.getElementById("mode").addEventListener("change",function(e){state.mode=e.target.value;colour();panel();});
  document.getElementById("up").addEventListener("click",function(){var u=U[state.focus]; if(u&&u.p)go(u.p);});
  document.getElementById("lang").addEventListener("click",function(){
    body.setAttribute("data-lang",en()?"zh":"en"); document.documentElement.lang=en()?"en":"zh-CN";
    this.textContent=en()?"中文":"English"; colour();panel();});
  window.addEventListener("hashchange",fromHash);
  window.addEventListener("resize",scalebar);
  fromHash();
  })();
  """#

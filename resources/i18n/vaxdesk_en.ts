<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="zh_TW">
<context>
    <name>CheckinView</name>
    <message>
        <source>沒有證件？輸入身分證字號、姓名、電話或報到號碼查詢</source>
        <translation>No card? Type an ID number, name, phone or queue number</translation>
    </message>
    <message>
        <source>確認報到 (Enter)</source>
        <translation>Check in (Enter)</translation>
    </message>
    <message>
        <source>取消報到 (Ctrl+Z)</source>
        <translation>Undo check-in (Ctrl+Z)</translation>
    </message>
    <message>
        <source>補印號碼單 (Ctrl+P)</source>
        <translation>Reprint ticket (Ctrl+P)</translation>
    </message>
    <message>
        <source>增加人員 (Ctrl+N)</source>
        <translation>Add walk-in (Ctrl+N)</translation>
    </message>
    <message>
        <source>已報到，報到號碼</source>
        <translation>Checked in, queue number</translation>
    </message>
    <message>
        <source>需確認原因</source>
        <translation>Reason needed</translation>
    </message>
    <message>
        <source>這位民眾有需要確認的提醒：</source>
        <translation>This person has warnings to confirm:</translation>
    </message>
    <message>
        <source>已核對證件與接種紀錄，民眾了解並同意</source>
        <translation>ID and records checked; the person understands and agrees</translation>
    </message>
    <message>
        <source>經醫師評估同意</source>
        <translation>Approved by the doctor</translation>
    </message>
    <message>
        <source>民眾出示接種證明</source>
        <translation>The person showed a vaccination record</translation>
    </message>
    <message>
        <source>先完成這位民眾的報到</source>
        <translation>Finish this person&apos;s check-in first</translation>
    </message>
    <message>
        <source>已報到 {q}</source>
        <translation>checked in {q}</translation>
    </message>
    <message>
        <source>查無資料</source>
        <translation>No match</translation>
    </message>
    <message>
        <source>取消報到</source>
        <translation>Undo a check-in</translation>
    </message>
    <message>
        <source>取消 {name}（{id}）的報到 {q}。請說明原因：</source>
        <translation>Undo the check-in {q} of {name} ({id}). Give the reason:</translation>
    </message>
    <message>
        <source>已取消 {name} 的報到 {q}</source>
        <translation>Check-in {q} of {name} undone</translation>
    </message>
    <message>
        <source>掃錯人</source>
        <translation>Wrong person scanned</translation>
    </message>
    <message>
        <source>重複報到</source>
        <translation>Checked in twice</translation>
    </message>
    <message>
        <source>民眾離開未接種</source>
        <translation>Person left before vaccination</translation>
    </message>
    <message>
        <source>先完成或取消這筆取消報到，再掃描下一位</source>
        <translation>Finish or cancel this undo before scanning the next person</translation>
    </message>
    <message>
        <source>本櫃台今天沒有可取消的報到</source>
        <translation>This desk has no check-in to undo today</translation>
    </message>
    <message>
        <source>還沒有可補印的號碼單</source>
        <translation>No ticket to reprint yet</translation>
    </message>
</context>
<context>
    <name>CounterBar</name>
    <message>
        <source>全部</source>
        <translation>Total</translation>
    </message>
    <message>
        <source>已報到</source>
        <translation>Checked in</translation>
    </message>
    <message>
        <source>已接種</source>
        <translation>Vaccinated</translation>
    </message>
    <message>
        <source>醫生不同意</source>
        <translation>Not approved</translation>
    </message>
    <message>
        <source>未到</source>
        <translation>Not arrived</translation>
    </message>
</context>
<context>
    <name>CrashGuard</name>
    <message>
        <source>資料已保存。請依上方說明處理後再試一次。</source>
        <translation>Your data is saved. Follow the advice above and try again.</translation>
    </message>
    <message>
        <source>程式發生未預期的狀況，剛才的動作可能沒有完成。</source>
        <translation>Something unexpected happened; the last action may not have finished.</translation>
    </message>
    <message>
        <source>已報到的資料都已保存。請再試一次；若一直發生，請通知管理員。</source>
        <translation>All check-ins are saved. Try again; if it keeps happening, tell the site manager.</translation>
    </message>
    <message>
        <source>VaxDesk 提醒</source>
        <translation>VaxDesk notice</translation>
    </message>
</context>
<context>
    <name>Desk</name>
    <message>
        <source>同步：未設定（{n} 筆待傳送）</source>
        <translation>Sync: not configured ({n} waiting)</translation>
    </message>
    <message>
        <source>同步：{n} 筆待傳送</source>
        <translation>Sync: {n} events waiting</translation>
    </message>
</context>
<context>
    <name>DoctorView</name>
    <message>
        <source>報到號碼</source>
        <translation>Queue no.</translation>
    </message>
    <message>
        <source>姓名</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>身分證字號</source>
        <translation>ID number</translation>
    </message>
    <message>
        <source>接種疫苗</source>
        <translation>Vaccine</translation>
    </message>
    <message>
        <source>劑次</source>
        <translation>Dose</translation>
    </message>
    <message>
        <source>狀態</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>接種時間</source>
        <translation>Given at</translation>
    </message>
    <message>
        <source>可離開時間</source>
        <translation>May leave at</translation>
    </message>
    <message>
        <source>掃描或從左側選擇一位民眾</source>
        <translation>Scan or pick a person on the left</translation>
    </message>
    <message>
        <source>同意接種</source>
        <translation>Approve</translation>
    </message>
    <message>
        <source>發燒或身體不適</source>
        <translation>Fever or unwell</translation>
    </message>
    <message>
        <source>血壓過高</source>
        <translation>Blood pressure too high</translation>
    </message>
    <message>
        <source>距上次接種間隔不足</source>
        <translation>Too soon after the last dose</translation>
    </message>
    <message>
        <source>曾對疫苗成分嚴重過敏</source>
        <translation>Severe allergy to a vaccine component</translation>
    </message>
    <message>
        <source>民眾改變心意</source>
        <translation>Person changed their mind</translation>
    </message>
    <message>
        <source>選擇或輸入不同意的原因</source>
        <translation>Pick or type the reason for not approving</translation>
    </message>
    <message>
        <source>醫生不同意</source>
        <translation>Not approved</translation>
    </message>
    <message>
        <source>醫師評估</source>
        <translation>Doctor&apos;s evaluation</translation>
    </message>
    <message>
        <source>同意並記錄接種</source>
        <translation>Approve and record</translation>
    </message>
    <message>
        <source>接種紀錄（掃描疫苗瓶條碼或選擇已開瓶批號）</source>
        <translation>Dose given (scan the vial or pick an open lot)</translation>
    </message>
    <message>
        <source>記錄接種</source>
        <translation>Record vaccination</translation>
    </message>
    <message>
        <source>已接種</source>
        <translation>Vaccinated</translation>
    </message>
    <message>
        <source>列印小黃卡</source>
        <translation>Print the record card</translation>
    </message>
    <message>
        <source>已同意</source>
        <translation>Approved</translation>
    </message>
    <message>
        <source>候診</source>
        <translation>Waiting</translation>
    </message>
    <message>
        <source>留觀 {n} 人（接種後 {m} 分鐘）</source>
        <translation>Under observation: {n} ({m} minutes after the dose)</translation>
    </message>
    <message>
        <source>這位民眾不在今天的候診名單（尚未報到？）</source>
        <translation>This person is not in today&apos;s queue (not checked in yet?)</translation>
    </message>
    <message>
        <source>批號 {lot} 已過期（效期 {expiry}），不可使用</source>
        <translation>Lot {lot} has expired ({expiry}); do not use it</translation>
    </message>
    <message>
        <source>請先選擇一位民眾，再掃描疫苗瓶</source>
        <translation>Pick a person first, then scan the vial</translation>
    </message>
    <message>
        <source>批號 {lot} 是 {other}，不是預約的 {product}</source>
        <translation>Lot {lot} is {other}, not the booked {product}</translation>
    </message>
    <message>
        <source>批號 {lot} 今天尚未開瓶（到「疫苗批號」開一瓶）</source>
        <translation>Lot {lot} has no open vial today (open one under Vaccine lots)</translation>
    </message>
    <message>
        <source>批號 {lot}</source>
        <translation>Lot {lot}</translation>
    </message>
    <message>
        <source>（{product} 今天沒有已開瓶的批號）</source>
        <translation>(no open vial of {product} today)</translation>
    </message>
    <message>
        <source>選擇批號</source>
        <translation>Choose the lot</translation>
    </message>
    <message>
        <source>{lot}（開瓶剩 {left} 劑）</source>
        <translation>{lot} ({left} doses left in open vials)</translation>
    </message>
    <message>
        <source>{age} 歲</source>
        <translation>{age} years</translation>
    </message>
    <message>
        <source>第{dose}劑</source>
        <translation>dose {dose}</translation>
    </message>
    <message>
        <source>接種紀錄：{history}</source>
        <translation>Dose history: {history}</translation>
    </message>
    <message>
        <source>無接種紀錄</source>
        <translation>No doses recorded</translation>
    </message>
    <message>
        <source>{q} 同意接種</source>
        <translation>{q} approved</translation>
    </message>
    <message>
        <source>請選擇或輸入不同意的原因</source>
        <translation>Pick or type the reason for not approving</translation>
    </message>
    <message>
        <source>{q} 醫生不同意：{r}</source>
        <translation>{q} not approved: {r}</translation>
    </message>
    <message>
        <source>{q} 已接種，批號 {lot}</source>
        <translation>{q} vaccinated, lot {lot}</translation>
    </message>
    <message>
        <source>小黃卡：{name}&#x3000;{product}&#x3000;第{dose}劑&#x3000;批號 {lot}&#x3000;{day}&#x3000;{site}</source>
        <translation>Record card: {name}   {product}   dose {dose}   lot {lot}   {day}   {site}</translation>
    </message>
    <message>
        <source>下一劑最早 {day}</source>
        <translation>Next dose from {day}</translation>
    </message>
    <message>
        <source>重複報到：作廢 {numbers}</source>
        <translation>Checked in twice: void {numbers}</translation>
    </message>
    <message>
        <source>作廢重複報到</source>
        <translation>Void a duplicate check-in</translation>
    </message>
    <message>
        <source>{name} 同時報到為 {kept} 與 {others}。作廢 {others}，保留 {kept}。請說明原因：</source>
        <translation>{name} is checked in as {kept} and {others}. {others} will be voided, {kept} kept. Give the reason:</translation>
    </message>
    <message>
        <source>兩個櫃台離線時重複報到</source>
        <translation>Checked in at two desks while offline</translation>
    </message>
    <message>
        <source>掃描兩次</source>
        <translation>Scanned twice</translation>
    </message>
    <message>
        <source>先完成或取消作廢，再掃描下一位</source>
        <translation>Finish or cancel the void before scanning the next person</translation>
    </message>
    <message>
        <source>已作廢 {numbers}，保留 {kept}</source>
        <translation>Voided {numbers}; {kept} kept</translation>
    </message>
</context>
<context>
    <name>DroppedTicketsDialog</name>
    <message>
        <source>卡紙未印的號碼單</source>
        <translation>Tickets not printed after a jam</translation>
    </message>
    <message>
        <source>這些號碼單等候太久，沒有印出。選擇要補印的（印出時標示「補印」）：</source>
        <translation>These tickets waited too long and were not printed. Choose the ones to reprint (they print marked REPRINT):</translation>
    </message>
    <message>
        <source>補印選取的號碼單</source>
        <translation>Reprint the chosen tickets</translation>
    </message>
    <message>
        <source>關閉</source>
        <translation>Close</translation>
    </message>
</context>
<context>
    <name>FirstRunDialog</name>
    <message>
        <source>請先完成初次設定，再掃描證件</source>
        <translation>Finish the first-run setup before scanning a card</translation>
    </message>
    <message>
        <source>VaxDesk 初次設定</source>
        <translation>VaxDesk first-run setup</translation>
    </message>
    <message>
        <source>這台電腦第一次使用 VaxDesk。請選擇名冊與接種站，再填櫃台代號。</source>
        <translation>This is the first time VaxDesk runs on this PC. Choose the roster and the site, then enter the desk letter.</translation>
    </message>
    <message>
        <source>從名冊讀取，或選擇接種站</source>
        <translation>Read from the roster, or choose the site</translation>
    </message>
    <message>
        <source>從名冊讀取…</source>
        <translation>Read the roster…</translation>
    </message>
    <message>
        <source>接種站</source>
        <translation>Site</translation>
    </message>
    <message>
        <source>櫃台代號</source>
        <translation>Desk letter</translation>
    </message>
    <message>
        <source>匯入名冊檔案（CSV 或 Excel）</source>
        <translation>Import a roster file (CSV or Excel)</translation>
    </message>
    <message>
        <source>載入示範名冊（練習用）</source>
        <translation>Load the demo roster (practice)</translation>
    </message>
    <message>
        <source>稍後再匯入</source>
        <translation>Import later</translation>
    </message>
    <message>
        <source>開始</source>
        <translation>Start</translation>
    </message>
    <message>
        <source>離開</source>
        <translation>Quit</translation>
    </message>
    <message>
        <source>選擇名冊檔案</source>
        <translation>Choose a roster file</translation>
    </message>
    <message>
        <source>名冊 (*.csv *.xlsx *.xls *.txt)</source>
        <translation>Rosters (*.csv *.xlsx *.xls *.txt)</translation>
    </message>
    <message>
        <source>這個名冊讀不到接種地點</source>
        <translation>No site could be read from this roster</translation>
    </message>
    <message>
        <source>請輸入接種站名稱</source>
        <translation>Enter the site name</translation>
    </message>
    <message>
        <source>櫃台代號請填一個英文字母</source>
        <translation>The desk letter must be one letter</translation>
    </message>
</context>
<context>
    <name>FlagRow</name>
    <message>
        <source>不可報到</source>
        <translation>Refused</translation>
    </message>
    <message>
        <source>需確認</source>
        <translation>Confirm</translation>
    </message>
    <message>
        <source>提醒</source>
        <translation>Note</translation>
    </message>
</context>
<context>
    <name>HubFinder</name>
    <message>
        <source>在站內網路尋找中繼</source>
        <translation>Find the hub on the site&apos;s network</translation>
    </message>
    <message>
        <source>尋找中…</source>
        <translation>Looking…</translation>
    </message>
    <message>
        <source>沒有找到站內中繼：中繼須以 --announce 啟動，並與這台電腦在同一網段。</source>
        <translation>No site hub found: the hub must run with --announce, on the same network as this PC.</translation>
    </message>
    <message>
        <source>找到 {n} 台，請選擇一台。</source>
        <translation>Found {n}; choose one.</translation>
    </message>
    <message>
        <source>已填入網址 {url}。憑證指紋不從網路取得：請對照中繼電腦畫面上的指紋，輸入「站內中繼憑證指紋」（它公告的指紋為 {short}）。</source>
        <translation>Address {url} filled in. The fingerprint is never taken from the network: type the one shown on the hub PC&apos;s screen as the “site hub certificate fingerprint” (the announced one is {short}).</translation>
    </message>
    <message>
        <source>已填入網址 {url}。這台中繼未使用 TLS（未以 --tls 啟動）。</source>
        <translation>Address {url} filled in. This hub does not use TLS (not started with --tls).</translation>
    </message>
</context>
<context>
    <name>HubHostDialog</name>
    <message>
        <source>本機站內中繼</source>
        <translation>Site hub on this PC</translation>
    </message>
    <message>
        <source>站內中繼沒有啟動，這台櫃台直接與衛生局同步。</source>
        <translation>The site hub did not start; this desk syncs with the bureau directly.</translation>
    </message>
    <message>
        <source>在其他櫃台的「設定」填入：</source>
        <translation>Enter in the other desks&apos; settings:</translation>
    </message>
    <message>
        <source>站內中繼網址</source>
        <translation>Site hub URL</translation>
    </message>
    <message>
        <source>站內中繼憑證指紋</source>
        <translation>Site hub certificate fingerprint</translation>
    </message>
    <message>
        <source>關閉</source>
        <translation>Close</translation>
    </message>
</context>
<context>
    <name>ImportReportDialog</name>
    <message>
        <source>關閉</source>
        <translation>Close</translation>
    </message>
</context>
<context>
    <name>LotsView</name>
    <message>
        <source>疫苗</source>
        <translation>Vaccine</translation>
    </message>
    <message>
        <source>批號</source>
        <translation>Lot</translation>
    </message>
    <message>
        <source>已開瓶數</source>
        <translation>Vials opened</translation>
    </message>
    <message>
        <source>每瓶劑量</source>
        <translation>Doses per vial</translation>
    </message>
    <message>
        <source>已接種劑數</source>
        <translation>Doses given</translation>
    </message>
    <message>
        <source>開瓶剩餘劑數</source>
        <translation>Doses left in open vials</translation>
    </message>
    <message>
        <source>櫃台</source>
        <translation>Desk</translation>
    </message>
    <message>
        <source>開瓶時間</source>
        <translation>Opened</translation>
    </message>
    <message>
        <source>到期時間</source>
        <translation>Expires</translation>
    </message>
    <message>
        <source>剩餘劑數</source>
        <translation>Doses left</translation>
    </message>
    <message>
        <source>剩餘時間</source>
        <translation>Time left</translation>
    </message>
    <message>
        <source>批號，例如 AZ1234-CDC</source>
        <translation>Lot number, e.g. AZ1234-CDC</translation>
    </message>
    <message>
        <source>開一瓶</source>
        <translation>Open a vial</translation>
    </message>
    <message>
        <source>丟棄選取的瓶</source>
        <translation>Discard the chosen vial</translation>
    </message>
    <message>
        <source>每瓶劑數</source>
        <translation>Doses per vial</translation>
    </message>
    <message>
        <source>開瓶中的疫苗</source>
        <translation>Open vials</translation>
    </message>
    <message>
        <source>預設</source>
        <translation>Default</translation>
    </message>
    <message>
        <source>依批號（新批號 {n} 劑）</source>
        <translation>The lot&apos;s (a new lot: {n})</translation>
    </message>
    <message>
        <source>{n} 劑</source>
        <translation>{n} doses</translation>
    </message>
    <message>
        <source>已過期，請丟棄</source>
        <translation>Expired, discard it</translation>
    </message>
    <message>
        <source>無時限</source>
        <translation>No limit</translation>
    </message>
    <message>
        <source>{h} 小時 {m} 分</source>
        <translation>{h} h {m} min</translation>
    </message>
    <message>
        <source>請先在開瓶中的疫苗選一瓶</source>
        <translation>Choose a vial among the open vials first</translation>
    </message>
    <message>
        <source>開瓶逾 {h} 小時</source>
        <translation>Open longer than {h} hours</translation>
    </message>
    <message>
        <source>丟棄疫苗</source>
        <translation>Discard a vial</translation>
    </message>
    <message>
        <source>丟棄 {product} 批號 {lot}（{time} 開瓶，剩 {n} 劑）。請說明原因：</source>
        <translation>Discard {product} lot {lot} (opened {time}, {n} doses left). Give the reason:</translation>
    </message>
    <message>
        <source>瓶身破損</source>
        <translation>Vial broken</translation>
    </message>
    <message>
        <source>疑似污染</source>
        <translation>Possibly contaminated</translation>
    </message>
    <message>
        <source>未依規定保存</source>
        <translation>Not stored as required</translation>
    </message>
    <message>
        <source>已丟棄 {product} 批號 {lot} 一瓶（{reason}）</source>
        <translation>Discarded a vial of {product} lot {lot} ({reason})</translation>
    </message>
    <message>
        <source>{product} 批號 {lot} 開瓶已過期，請丟棄（F4）</source>
        <translation>{product} lot {lot}: an open vial has expired, discard it (F4)</translation>
    </message>
    <message>
        <source>注意：{product} 批號 {lot} 開瓶 {n} 分鐘後到期</source>
        <translation>Note: an open vial of {product} lot {lot} expires in {n} minutes</translation>
    </message>
    <message>
        <source>批號 {lot} 已開一瓶</source>
        <translation>Opened one vial of lot {lot}</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>VaxDesk 報到站 — {site} 櫃台 {desk} — {day}</source>
        <translation>VaxDesk check-in — {site} desk {desk} — {day}</translation>
    </message>
    <message>
        <source>報到 F1</source>
        <translation>Check-in F1</translation>
    </message>
    <message>
        <source>醫師 F2</source>
        <translation>Doctor F2</translation>
    </message>
    <message>
        <source>管理 F3</source>
        <translation>Manage F3</translation>
    </message>
    <message>
        <source>疫苗批號 F4</source>
        <translation>Vaccine lots F4</translation>
    </message>
    <message>
        <source>鎖定／換人 (Ctrl+L)</source>
        <translation>Lock / switch staff (Ctrl+L)</translation>
    </message>
    <message>
        <source>設定 (Ctrl+,)</source>
        <translation>Settings (Ctrl+,)</translation>
    </message>
    <message>
        <source>請先關閉目前的視窗，再掃描</source>
        <translation>Close the open window before scanning</translation>
    </message>
    <message>
        <source>中繼未啟動</source>
        <translation>Hub not running</translation>
    </message>
    <message>
        <source>中繼 {short}</source>
        <translation>Hub {short}</translation>
    </message>
    <message>
        <source>按一下：其他櫃台要填的網址與憑證指紋</source>
        <translation>Click: the URL and certificate fingerprint for the other desks</translation>
    </message>
    <message>
        <source>卡紙未印號碼單 {n} 張：補印…</source>
        <translation>{n} tickets not printed after a jam: reprint…</translation>
    </message>
    <message>
        <source>{who} 已登入</source>
        <translation>{who} signed in</translation>
    </message>
    <message>
        <source>值班：{who}</source>
        <translation>On duty: {who}</translation>
    </message>
    <message>
        <source>未登入</source>
        <translation>Nobody signed in</translation>
    </message>
    <message>
        <source>掃描器：未設定</source>
        <translation>Scanner: not configured</translation>
    </message>
    <message>
        <source>掃描器：鍵盤模式就緒</source>
        <translation>Scanner: keyboard mode ready</translation>
    </message>
    <message>
        <source>同步：未設定</source>
        <translation>Sync: not configured</translation>
    </message>
</context>
<context>
    <name>ManagerView</name>
    <message>
        <source>搜尋姓名、身分證字號、電話、報到號碼</source>
        <translation>Search name, ID number, phone, queue number</translation>
    </message>
    <message>
        <source>全部狀態</source>
        <translation>All states</translation>
    </message>
    <message>
        <source>未到</source>
        <translation>Not arrived</translation>
    </message>
    <message>
        <source>已報到</source>
        <translation>Checked in</translation>
    </message>
    <message>
        <source>已接種</source>
        <translation>Vaccinated</translation>
    </message>
    <message>
        <source>醫生不同意</source>
        <translation>Not approved</translation>
    </message>
    <message>
        <source>只看有註記</source>
        <translation>Flagged only</translation>
    </message>
    <message>
        <source>匯入名冊</source>
        <translation>Import roster</translation>
    </message>
    <message>
        <source>匯出 CSV</source>
        <translation>Export CSV</translation>
    </message>
    <message>
        <source>匯出 Excel</source>
        <translation>Export Excel</translation>
    </message>
    <message>
        <source>匯出含完整證號…</source>
        <translation>Export with full IDs…</translation>
    </message>
    <message>
        <source>顯示完整證號</source>
        <translation>Show full ID</translation>
    </message>
    <message>
        <source>{q} {name} {at} 可離開</source>
        <translation>{q} {name} may leave {at}</translation>
    </message>
    <message>
        <source>…等 {n} 人</source>
        <translation>… {n} in all</translation>
    </message>
    <message>
        <source>留觀中 {n} 人：</source>
        <translation>Under observation, {n}: </translation>
    </message>
    <message>
        <source>全部時段</source>
        <translation>All slots</translation>
    </message>
    <message>
        <source>全部疫苗</source>
        <translation>All vaccines</translation>
    </message>
    <message>
        <source>顯示 {shown} / {total} 筆</source>
        <translation>Showing {shown} / {total}</translation>
    </message>
    <message>
        <source>選擇名冊檔案</source>
        <translation>Choose a roster file</translation>
    </message>
    <message>
        <source>名冊 (*.csv *.xlsx *.xls *.txt)</source>
        <translation>Rosters (*.csv *.xlsx *.xls *.txt)</translation>
    </message>
    <message>
        <source>正在匯入 {name}…</source>
        <translation>Importing {name}…</translation>
    </message>
    <message>
        <source>名冊匯入結果</source>
        <translation>Roster import report</translation>
    </message>
    <message>
        <source>無法匯入，名冊沒有任何變更：</source>
        <translation>Could not import; the roster was not changed: </translation>
    </message>
    <message>
        <source>已匯入 {ok} 筆，未匯入 {bad} 筆，提醒 {notes} 則</source>
        <translation>Imported {ok} rows, rejected {bad}, {notes} notes</translation>
    </message>
    <message>
        <source>第 {n} 列未匯入：{reason}</source>
        <translation>Row {n} rejected: {reason}</translation>
    </message>
    <message>
        <source>第 {n} 列提醒：{msg}</source>
        <translation>Row {n} note: {msg}</translation>
    </message>
    <message>
        <source>未使用的欄位：</source>
        <translation>Columns not used: </translation>
    </message>
    <message>
        <source>匯出列表</source>
        <translation>Export list</translation>
    </message>
    <message>
        <source>匯出含完整證號</source>
        <translation>Export with full ID numbers</translation>
    </message>
    <message>
        <source>匯出的檔案會含完整身分證字號，並記錄在稽核紀錄。請說明原因：</source>
        <translation>The file will hold full ID numbers, and the export is kept in the audit log. Give the reason:</translation>
    </message>
    <message>
        <source>衛生所要求核對名冊</source>
        <translation>The health station asked to check the roster</translation>
    </message>
    <message>
        <source>上傳 NIIS</source>
        <translation>NIIS upload</translation>
    </message>
    <message>
        <source>無法寫入檔案：</source>
        <translation>Cannot write the file: </translation>
    </message>
    <message>
        <source>已匯出 {n} 筆到 {path}</source>
        <translation>Exported {n} rows to {path}</translation>
    </message>
    <message>
        <source>請先選擇一列</source>
        <translation>Select a row first</translation>
    </message>
    <message>
        <source>顯示 {name} 的完整身分證字號會被記錄。請說明原因：</source>
        <translation>Showing the full ID number of {name} is logged. Give the reason:</translation>
    </message>
    <message>
        <source>核對證件</source>
        <translation>Checking an ID document</translation>
    </message>
    <message>
        <source>民眾要求更正資料</source>
        <translation>The person asked for a correction</translation>
    </message>
    <message>
        <source>衛生所查詢</source>
        <translation>Health station enquiry</translation>
    </message>
</context>
<context>
    <name>PersonCard</name>
    <message>
        <source>請掃描身分證或健保卡條碼</source>
        <translation>Scan the ID card or NHI card barcode</translation>
    </message>
    <message>
        <source>接種紀錄</source>
        <translation>Dose history</translation>
    </message>
    <message>
        <source>護照</source>
        <translation>Passport</translation>
    </message>
    <message>
        <source>居留證</source>
        <translation>Resident certificate</translation>
    </message>
    <message>
        <source>身分證</source>
        <translation>ID</translation>
    </message>
    <message>
        <source>不是有效的證號，請對照證件重新掃描或輸入</source>
        <translation>Not a valid ID number; scan or type it again from the card</translation>
    </message>
    <message>
        <source>檢查碼不符：第 {a}、{b} 碼可能前後對調</source>
        <translation>Checksum mismatch: characters {a} and {b} may be swapped</translation>
    </message>
    <message>
        <source>檢查碼不符：請對照證件逐碼核對（最常見是某一碼打錯）</source>
        <translation>Checksum mismatch: compare each character with the card (usually one is mistyped)</translation>
    </message>
    <message>
        <source>{n} 分鐘前</source>
        <translation>{n} minutes ago</translation>
    </message>
    <message>
        <source>{n} 小時前</source>
        <translation>{n} hours ago</translation>
    </message>
    <message>
        <source>{n} 天前</source>
        <translation>{n} days ago</translation>
    </message>
    <message>
        <source>尚未下載</source>
        <translation>never downloaded</translation>
    </message>
    <message>
        <source>其他站資料：{age}</source>
        <translation>Other sites&apos; facts: {age}</translation>
    </message>
    <message>
        <source>已報到過（{desk} 櫃台 {time}），報到號碼</source>
        <translation>Already checked in (desk {desk}, {time}), queue number</translation>
    </message>
    <message>
        <source>不可在此報到</source>
        <translation>Cannot check in at this desk</translation>
    </message>
    <message>
        <source>需確認原因才能報到</source>
        <translation>Check-in needs a reason</translation>
    </message>
    <message>
        <source>可以報到</source>
        <translation>Can check in</translation>
    </message>
    <message>
        <source>不詳</source>
        <translation>unknown</translation>
    </message>
    <message>
        <source>{age} 歲</source>
        <translation>{age} years</translation>
    </message>
    <message>
        <source>{kind} {id}&#x3000;出生 {birth}&#x3000;{age}</source>
        <translation>{kind} {id}   born {birth}   {age}</translation>
    </message>
    <message>
        <source>名冊上找不到這個人</source>
        <translation>Not on the roster</translation>
    </message>
    <message>
        <source>預約：{product}&#x3000;{dose}&#x3000;{slot}&#x3000;{site}</source>
        <translation>Booked: {product}   {dose}   {slot}   {site}</translation>
    </message>
    <message>
        <source>讀取中…</source>
        <translation>loading…</translation>
    </message>
    <message>
        <source>無接種紀錄</source>
        <translation>No doses recorded</translation>
    </message>
</context>
<context>
    <name>ReasonDialog</name>
    <message>
        <source>選擇或輸入原因</source>
        <translation>Pick or type a reason</translation>
    </message>
    <message>
        <source>確認</source>
        <translation>Confirm</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
</context>
<context>
    <name>RosterModel</name>
    <message>
        <source>序號</source>
        <translation>Row</translation>
    </message>
    <message>
        <source>姓名</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>身分證字號</source>
        <translation>ID number</translation>
    </message>
    <message>
        <source>出生年月日</source>
        <translation>Birth date</translation>
    </message>
    <message>
        <source>電話</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>接種期別</source>
        <translation>Dose</translation>
    </message>
    <message>
        <source>已接種疫苗</source>
        <translation>Doses received</translation>
    </message>
    <message>
        <source>接種地點</source>
        <translation>Site</translation>
    </message>
    <message>
        <source>接種時間</source>
        <translation>Slot</translation>
    </message>
    <message>
        <source>接種疫苗</source>
        <translation>Vaccine</translation>
    </message>
    <message>
        <source>已報到</source>
        <translation>Checked in</translation>
    </message>
    <message>
        <source>報到時間</source>
        <translation>Check-in time</translation>
    </message>
    <message>
        <source>報到號碼</source>
        <translation>Queue no.</translation>
    </message>
    <message>
        <source>醫生不同意</source>
        <translation>Not approved</translation>
    </message>
    <message>
        <source>今日已接種</source>
        <translation>Vaccinated today</translation>
    </message>
    <message>
        <source>註記</source>
        <translation>Flags</translation>
    </message>
    <message>
        <source>第{dose}劑</source>
        <translation>dose {dose}</translation>
    </message>
    <message>
        <source>是</source>
        <translation>yes</translation>
    </message>
    <message>
        <source>現場加入</source>
        <translation>walk-in</translation>
    </message>
</context>
<context>
    <name>ScanDialog</name>
    <message>
        <source>請先完成或關閉這個視窗，再掃描下一位</source>
        <translation>Finish or close this window before scanning the next person</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>這裡只接受衛生局登記櫃台時顯示的 QR 碼；請先儲存或取消設定。</source>
        <translation>Only the bureau&apos;s desk-enrolment QR code is taken here; save or cancel the settings first.</translation>
    </message>
    <message>
        <source>設定</source>
        <translation>Settings</translation>
    </message>
    <message>
        <source>游標放在這裡，掃描衛生局網頁上的 QR 碼</source>
        <translation>Put the cursor here and scan the QR code on the bureau&apos;s page</translation>
    </message>
    <message>
        <source>衛生局櫃台登記 QR 碼</source>
        <translation>Bureau&apos;s desk-enrolment QR code</translation>
    </message>
    <message>
        <source>語言、接種站、櫃台與印表機的變更在重新開啟程式後生效。</source>
        <translation>Changes of language, site, desk and printers take effect when the program is restarted.</translation>
    </message>
    <message>
        <source>儲存</source>
        <translation>Save</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>已讀取衛生局的櫃台登記：{site} 櫃台 {desk}。按「儲存」後寫入憑證檔。</source>
        <translation>Read the bureau&apos;s enrolment: {site} desk {desk}. Save writes the token file.</translation>
    </message>
</context>
<context>
    <name>SignInDialog</name>
    <message>
        <source>無法辨識的員工卡：請掃描您的員工卡，或選擇姓名並輸入 PIN</source>
        <translation>Unknown staff card: scan your staff card, or choose your name and enter your PIN</translation>
    </message>
    <message>
        <source>畫面已鎖定</source>
        <translation>Screen locked</translation>
    </message>
    <message>
        <source>工作人員登入</source>
        <translation>Staff sign-in</translation>
    </message>
    <message>
        <source>掃描員工卡，或選擇姓名並輸入 PIN 後按 Enter</source>
        <translation>Scan your staff card, or choose your name, enter your PIN and press Enter</translation>
    </message>
    <message>
        <source>PIN</source>
        <translation>PIN</translation>
    </message>
    <message>
        <source>登入</source>
        <translation>Sign in</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>PIN 錯誤，請再試一次</source>
        <translation>Wrong PIN, try again</translation>
    </message>
</context>
<context>
    <name>TicketHook</name>
    <message>
        <source>印表機：未設定</source>
        <translation>Printer: not configured</translation>
    </message>
    <message>
        <source>印表機：錯誤</source>
        <translation>Printer: error</translation>
    </message>
    <message>
        <source>印表機：正常</source>
        <translation>Printer: OK</translation>
    </message>
    <message>
        <source>印表機：</source>
        <translation>Printer: </translation>
    </message>
    <message>
        <source>（{n} 張待印）</source>
        <translation> ({n} waiting)</translation>
    </message>
    <message>
        <source>印表機未設定，號碼單未列印</source>
        <translation>Printer not configured; no ticket printed</translation>
    </message>
    <message>
        <source>號碼單無法列印，請檢查印表機設定</source>
        <translation>The ticket could not be printed; check the printer settings</translation>
    </message>
    <message>
        <source>號碼單 {q} 已送出列印</source>
        <translation>Ticket {q} sent to the printer</translation>
    </message>
    <message>
        <source>沒有選擇號碼單</source>
        <translation>No ticket chosen</translation>
    </message>
    <message>
        <source>已送出補印 {n} 張</source>
        <translation>{n} reprints sent</translation>
    </message>
    <message>
        <source>印表機未設定，無法補印</source>
        <translation>Printer not configured; cannot reprint</translation>
    </message>
    <message>
        <source>找不到這張號碼單，無法補印</source>
        <translation>This ticket was not found; cannot reprint</translation>
    </message>
    <message>
        <source>已送出補印</source>
        <translation>Reprint sent</translation>
    </message>
    <message>
        <source>印表機未設定，請抄寫小黃卡</source>
        <translation>No printer set up: copy the record card by hand</translation>
    </message>
    <message>
        <source>小黃卡無法列印，請抄寫</source>
        <translation>The record card cannot be printed: copy it by hand</translation>
    </message>
    <message>
        <source>小黃卡已送出列印</source>
        <translation>Record card sent to the printer</translation>
    </message>
    <message>
        <source>同意書無法列印，請檢查印表機設定</source>
        <translation>The consent form cannot print; check the printer settings</translation>
    </message>
    <message>
        <source>同意書已送出列印</source>
        <translation>consent form sent to the printer</translation>
    </message>
</context>
<context>
    <name>WalkInDialog</name>
    <message>
        <source>增加人員</source>
        <translation>Add a walk-in person</translation>
    </message>
    <message>
        <source>身分證／居留證</source>
        <translation>National ID / resident certificate</translation>
    </message>
    <message>
        <source>護照</source>
        <translation>Passport</translation>
    </message>
    <message>
        <source>例如 0350411、35/04/11 或 1946-04-11</source>
        <translation>e.g. 0350411, 35/04/11 or 1946-04-11</translation>
    </message>
    <message>
        <source>請選擇疫苗</source>
        <translation>Choose the vaccine</translation>
    </message>
    <message>
        <source>例如 CoV_AZ 2021-06-15</source>
        <translation>e.g. CoV_AZ 2021-06-15</translation>
    </message>
    <message>
        <source>證件類別</source>
        <translation>Document type</translation>
    </message>
    <message>
        <source>證件號碼</source>
        <translation>Document number</translation>
    </message>
    <message>
        <source>姓名</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>出生年月日</source>
        <translation>Birth date</translation>
    </message>
    <message>
        <source>電話</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>接種疫苗</source>
        <translation>Vaccine</translation>
    </message>
    <message>
        <source>劑次</source>
        <translation>Dose</translation>
    </message>
    <message>
        <source>已接種疫苗</source>
        <translation>Doses received</translation>
    </message>
    <message>
        <source>加入並報到</source>
        <translation>Add and check in</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>姓名不可以 = + - @ 開頭：{name}</source>
        <translation>A name may not start with = + - @: {name}</translation>
    </message>
    <message>
        <source>電話號碼不對：{phone}（手機為 09 開頭 10 碼，市話含區碼）</source>
        <translation>Not a phone number: {phone} (mobiles have 10 digits starting 09, land lines an area code)</translation>
    </message>
    <message>
        <source>請選擇接種疫苗</source>
        <translation>Choose the vaccine to give</translation>
    </message>
    <message>
        <source>若是護照號碼，請在「證件類別」選擇「護照」。</source>
        <translation>For a passport number, choose &apos;Passport&apos; as the document type.</translation>
    </message>
</context>
</TS>
